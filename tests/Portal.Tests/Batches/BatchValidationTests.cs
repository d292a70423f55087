using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Portal.Core.Catalog;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>Every validation rule, each on its own line of an otherwise good file: the batch fails naming that line.</summary>
public class BatchValidationTests(BatchFactory factory) : IClassFixture<BatchFactory>
{
    private const string Chat = BatchUrls.ChatCompletions;

    [Fact]
    public async Task A_good_file_starts_running_with_its_model_prices_and_request_count()
    {
        var tenant = await factory.NewTenantAsync();
        var id = await factory.CreateBatchAsync(tenant, Chat, [ChatLine("a"), "", ChatLine("b"), ChatLine(new string('x', 64))]);

        await factory.ValidateAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.InProgress, batch.Status);
        Assert.NotNull(batch.InProgressAt);
        Assert.Equal(3, batch.RequestTotal); // the blank line is not a request
        Assert.Equal(BatchLines.Chat, batch.Model);
        Assert.Equal(300_000, batch.InputMicrosPerMillionTokens); // llama-3.3-70b's batch prices, $0.30 / $0.40
        Assert.Equal(400_000, batch.OutputMicrosPerMillionTokens);
        Assert.Null(batch.ErrorsJson);
        Assert.Equal(3, (await factory.FileAsync(batch.InputFileId))!.Lines);
    }

    public static TheoryData<string, string, string?> BadSecondLines => new()
    {
        { "{\"custom_id\": \"b\", \"method\": ", "invalid_json_line", null },
        { "[\"custom_id\", \"b\"]", "invalid_json_line", null },
        { """{"method":"POST","url":"/v1/chat/completions","body":{"model":"llama-3.3-70b-instruct"}}""", "missing_required_parameter", "custom_id" },
        { """{"custom_id":42,"method":"POST","url":"/v1/chat/completions","body":{"model":"llama-3.3-70b-instruct"}}""", "invalid_custom_id", "custom_id" },
        { ChatLine(new string('x', 65)), "invalid_custom_id", "custom_id" },
        { ChatLine("a"), "duplicate_custom_id", "custom_id" },
        { """{"custom_id":"b","method":"GET","url":"/v1/chat/completions","body":{"model":"llama-3.3-70b-instruct"}}""", "invalid_method", "method" },
        { ChatLine("b", url: BatchUrls.Embeddings), "invalid_url", "url" },
        { """{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":"hello"}""", "invalid_body", "body" },
        { """{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"messages":[]}}""", "missing_required_parameter", "body.model" },
        { ChatLine("b", model: "gpt-17"), "model_not_found", "body.model" },
        { ChatLine("b", model: BatchLines.Embeddings), "model_not_supported", "body.model" },
        { ChatLine("b", model: "muse-spark"), "mismatched_model", "body.model" },
    };

    [Theory]
    [MemberData(nameof(BadSecondLines))]
    public async Task A_bad_line_fails_the_batch_naming_the_line_and_the_reason(string line, string code, string? param)
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), Chat, [ChatLine("a"), line, ChatLine("c")]);

        await factory.ValidateAsync(id);

        var error = Assert.Single(await AssertFailedAsync(id));
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
        Assert.Equal(2, error.Line);
        Assert.Contains("Line 2", error.Message);
    }

    [Fact]
    public async Task A_retired_model_is_refused()
    {
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            if (!await db.Models.AnyAsync(m => m.Id == "retired-chat"))
            {
                db.Models.Add(new HostedModel
                {
                    Id = "retired-chat", Name = "Retired", Kind = ModelKind.Chat, Description = "gone", Licence = "none", ContextLength = 4096,
                    ServingSkuId = "h100-sxm-80gb", RetiredAt = DateTime.UtcNow,
                });
                await db.SaveChangesAsync();
            }
        }
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), Chat, [ChatLine("a", model: "retired-chat")]);

        await factory.ValidateAsync(id);

        var error = Assert.Single(await AssertFailedAsync(id));
        Assert.Equal("model_not_found", error.Code);
        Assert.Contains("retired", error.Message);
    }

    [Fact]
    public async Task An_empty_file_fails()
    {
        var tenant = await factory.NewTenantAsync();
        var empty = await factory.CreateBatchAsync(tenant, Chat, _ => Task.CompletedTask);
        var blank = await factory.CreateBatchAsync(tenant, Chat, ["", "   ", ""]);

        await factory.ValidateAsync(empty);
        await factory.ValidateAsync(blank);

        Assert.Equal("empty_file", Assert.Single(await AssertFailedAsync(empty)).Code);
        Assert.Equal("empty_file", Assert.Single(await AssertFailedAsync(blank)).Code);
    }

    [Fact]
    public async Task A_truncated_last_line_fails_but_a_complete_one_without_a_line_break_is_fine()
    {
        var tenant = await factory.NewTenantAsync();
        var cut = ChatLine("c");
        var truncated = await factory.CreateBatchAsync(tenant, Chat,
            s => s.WriteAsync(Encoding.UTF8.GetBytes($"{ChatLine("a")}\n{ChatLine("b")}\n{cut[..(cut.Length / 2)]}")).AsTask());
        var unterminated = await factory.CreateBatchAsync(tenant, Chat,
            s => s.WriteAsync(Encoding.UTF8.GetBytes($"{ChatLine("a")}\r\n{ChatLine("b")}")).AsTask());

        await factory.ValidateAsync(truncated);
        await factory.ValidateAsync(unterminated);

        var error = Assert.Single(await AssertFailedAsync(truncated));
        Assert.Equal(("truncated_line", 3), (error.Code, error.Line));
        var ok = await factory.LoadAsync(unterminated);
        Assert.Equal((BatchStatus.InProgress, 2), (ok.Status, ok.RequestTotal));
    }

    [Fact]
    public async Task Invalid_utf8_fails_naming_the_line()
    {
        var good = Encoding.UTF8.GetBytes(ChatLine("a") + "\n");
        var bad = Encoding.UTF8.GetBytes(ChatLine("b", content: "caf\u00e9") + "\n");
        var latin1 = bad.AsSpan().IndexOf("caf"u8) + 3;
        bad = [.. bad[..latin1], 0xE9, .. bad[(latin1 + 2)..]]; // é as Latin-1, as a file saved in the wrong encoding has it
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), Chat, s => s.WriteAsync((byte[])[.. good, .. bad]).AsTask());

        await factory.ValidateAsync(id);

        var error = Assert.Single(await AssertFailedAsync(id));
        Assert.Equal(("invalid_encoding", 2), (error.Code, error.Line));
    }

    [Fact]
    public async Task A_byte_order_mark_is_not_a_problem()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), Chat,
            s => s.WriteAsync((byte[])[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(ChatLine("a") + "\n")]).AsTask());

        await factory.ValidateAsync(id);

        Assert.Equal(BatchStatus.InProgress, (await factory.LoadAsync(id)).Status);
    }

    [Fact]
    public async Task A_file_with_errors_on_every_line_lists_the_first_hundred_and_counts_the_rest()
    {
        var lines = Enumerable.Range(1, 250).Select(i => ChatLine($"r{i}", url: "/v1/responses"));
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), Chat, lines);

        await factory.ValidateAsync(id);

        var errors = await AssertFailedAsync(id);
        Assert.Equal(101, errors.Count);
        Assert.All(errors.Take(100), (e, i) => Assert.Equal(("invalid_url", i + 1), (e.Code, e.Line)));
        Assert.Equal("too_many_errors", errors[100].Code);
        Assert.Contains("150 more", errors[100].Message);
    }

    [Fact]
    public async Task Validating_twice_changes_nothing_more()
    {
        var tenant = await factory.NewTenantAsync();
        var good = await factory.CreateBatchAsync(tenant, Chat, [ChatLine("a")]);
        var bad = await factory.CreateBatchAsync(tenant, Chat, [ChatLine("a"), ChatLine("a")]);
        await factory.ValidateAsync(good);
        await factory.ValidateAsync(bad);
        var (goodOnce, badOnce) = (await factory.LoadAsync(good), await factory.LoadAsync(bad));

        await factory.ValidateAsync(good);
        await factory.ValidateAsync(bad);

        var (goodTwice, badTwice) = (await factory.LoadAsync(good), await factory.LoadAsync(bad));
        Assert.Equal((BatchStatus.InProgress, goodOnce.Version, goodOnce.InProgressAt), (goodTwice.Status, goodTwice.Version, goodTwice.InProgressAt));
        Assert.Equal((BatchStatus.Failed, badOnce.Version, badOnce.ErrorsJson), (badTwice.Status, badTwice.Version, badTwice.ErrorsJson));
    }

    internal async Task<IReadOnlyList<BatchError>> AssertFailedAsync(string id)
    {
        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Failed, batch.Status);
        Assert.NotNull(batch.FailedAt);
        Assert.Equal((0, 0, 0L), (batch.RequestCompleted, batch.RequestFailed, batch.CostMicros));
        Assert.Null(batch.OutputFileId);
        Assert.Null(batch.ErrorFileId);
        return BatchErrorList.Parse(batch.ErrorsJson);
    }
}
