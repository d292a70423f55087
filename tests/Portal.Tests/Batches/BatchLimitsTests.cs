using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Batches;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>The file limits: 50,000 requests and the longest line.</summary>
public class BatchLimitsTests(BatchFactory factory) : IClassFixture<BatchFactory>
{
    private const string Chat = BatchUrls.ChatCompletions;

    private BatchOptions Limits => factory.Services.GetRequiredService<IOptions<BatchOptions>>().Value;

    [Fact]
    public async Task Fifty_thousand_lines_pass_and_fifty_thousand_and_one_fail_at_the_line_past_the_limit()
    {
        Assert.Equal(50_000, Limits.MaxLines);
        var tenant = await factory.NewTenantAsync();
        var template = ChatLine("{id}");
        var atLimit = await factory.CreateBatchAsync(tenant, Chat, Enumerable.Range(1, 50_000).Select(i => template.Replace("{id}", $"r{i}")));
        var overLimit = await factory.CreateBatchAsync(tenant, Chat, Enumerable.Range(1, 50_001).Select(i => template.Replace("{id}", $"r{i}")));

        await factory.ValidateAsync(atLimit);
        await factory.ValidateAsync(overLimit);

        Assert.Equal(50_000, (await factory.LoadAsync(atLimit)).RequestTotal);
        var failed = await factory.LoadAsync(overLimit);
        Assert.Equal(BatchStatus.Failed, failed.Status);
        var error = Assert.Single(BatchErrorList.Parse(failed.ErrorsJson));
        Assert.Equal(("too_many_lines", 50_001), (error.Code, error.Line));
    }

    [Fact]
    public async Task A_line_over_the_line_limit_fails_naming_it()
    {
        var huge = ChatLine("huge", content: new string('a', Limits.MaxLineBytes));
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), Chat, [ChatLine("a"), huge, ChatLine("c")]);

        await factory.ValidateAsync(id);

        var error = Assert.Single(BatchErrorList.Parse((await factory.LoadAsync(id)).ErrorsJson));
        Assert.Equal(("line_too_long", 2), (error.Code, error.Line));
    }
}
