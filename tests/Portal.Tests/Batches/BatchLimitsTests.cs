using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Batches;
using Xunit.Abstractions;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>The file limits (50,000 requests, 200 MB), with files of exactly that size, streamed.</summary>
public class BatchLimitsTests(BatchFactory factory, ITestOutputHelper output) : IClassFixture<BatchFactory>
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
    public async Task A_file_of_exactly_200_MB_is_validated_by_streaming_and_one_byte_more_is_refused()
    {
        Assert.Equal(200L * 1024 * 1024, Limits.MaxFileBytes);
        var tenant = await factory.NewTenantAsync();
        var big = await factory.CreateBatchAsync(tenant, Chat, s => WritePaddedAsync(s, Limits.MaxFileBytes, Limits.MaxLines));
        var tooBig = await factory.CreateBatchAsync(tenant, Chat, s =>
        {
            s.SetLength(Limits.MaxFileBytes + 1); // refused by its size before a byte is read
            return Task.CompletedTask;
        });
        Assert.Equal(Limits.MaxFileBytes, (await factory.FileAsync((await factory.LoadAsync(big)).InputFileId))!.Bytes);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
                await Task.Delay(100);
            }
        });
        await factory.ValidateAsync(big);
        await sampling.CancelAsync();
        await sampler;
        await factory.ValidateAsync(tooBig);

        output.WriteLine($"live managed memory while validating 200 MB: at most {peak / 1024 / 1024} MB above the start");
        var batch = await factory.LoadAsync(big);
        Assert.Equal(BatchStatus.InProgress, batch.Status);
        Assert.Equal(Limits.MaxLines, batch.RequestTotal);
        Assert.True(peak < 100L * 1024 * 1024, $"validation held {peak / 1024 / 1024} MB: it must stream, not load the file");
        var error = Assert.Single(BatchErrorList.Parse((await factory.LoadAsync(tooBig)).ErrorsJson));
        Assert.Equal("file_too_large", error.Code);
        Assert.Null(error.Line);
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

    /// <summary>Chat lines padded (inside the message) so that <paramref name="lines"/> lines make exactly <paramref name="bytes"/>.</summary>
    private static async Task WritePaddedAsync(Stream s, long bytes, int lines)
    {
        var each = (int)(bytes / lines);
        var longer = (int)(bytes - (long)each * lines); // this many lines get one byte more
        var shortest = Encoding.UTF8.GetByteCount(ChatLine("r00000", content: "")) + 1;
        byte[] Template(int padding) => Encoding.UTF8.GetBytes(ChatLine("r00000", content: new string('a', padding)) + "\n");
        var (longLine, shortLine) = (Template(each + 1 - shortest), Template(each - shortest));
        var digits = shortLine.AsSpan().IndexOf("r00000"u8) + 1;
        for (var i = 0; i < lines; i++)
        {
            var line = i < longer ? longLine : shortLine;
            Encoding.ASCII.GetBytes($"{i:D5}", line.AsSpan(digits, 5));
            await s.WriteAsync(line);
        }
    }
}
