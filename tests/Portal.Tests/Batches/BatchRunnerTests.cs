using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Portal.Core.Tenancy;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>Batches run end to end against the embedded simulator (latency 0).</summary>
public class BatchRunnerTests(BatchFactory factory) : IClassFixture<BatchFactory>
{
    [Fact]
    public async Task A_chat_batch_completes_with_every_answer_in_the_output_and_its_tokens_priced()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions,
            Enumerable.Range(1, 60).Select(i => ChatLine($"q{i}", $"Question number {i}?")));
        await factory.ValidateAsync(id);

        await factory.RunBatchAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Completed, batch.Status);
        Assert.NotNull(batch.FinalizingAt);
        Assert.NotNull(batch.CompletedAt);
        Assert.Equal((60, 60, 0), (batch.RequestTotal, batch.RequestCompleted, batch.RequestFailed));
        Assert.Null(batch.ErrorFileId); // nothing failed: no error file, as OpenAI
        var output = await factory.ReadResultsAsync(batch.OutputFileId);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => $"q{i}").Order(), output.Select(CustomId).Order());
        Assert.All(output, line =>
        {
            Assert.StartsWith("batch_req_", line.GetProperty("id").GetString());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
            var response = line.GetProperty("response");
            Assert.Equal(200, response.GetProperty("status_code").GetInt32());
            Assert.False(string.IsNullOrEmpty(response.GetProperty("request_id").GetString()));
            Assert.Equal("chat.completion", response.GetProperty("body").GetProperty("object").GetString());
        });
        var input = output.Sum(l => Usage(l, "prompt_tokens"));
        var generated = output.Sum(l => Usage(l, "completion_tokens"));
        Assert.True(input > 0 && generated > 0);
        Assert.Equal((input, generated), (batch.InputTokens, batch.OutputTokens));
        Assert.Equal((input * 300_000 + generated * 400_000 + 500_000) / 1_000_000, batch.CostMicros);

        var file = (await factory.FileAsync(batch.OutputFileId))!;
        Assert.Equal(("batch_output", 60), (file.Purpose, file.Lines));
        Assert.Equal(new FileInfo(Store.PathOf(file.Id)).Length, file.Bytes);
        Assert.Equal(batch.CompletedAt!.Value.AddDays(30), file.ExpiresAt);
        Assert.False(Store.Exists(BatchPartialFiles.OutputId(id)));
        Assert.False(Store.Exists(BatchPartialFiles.ErrorId(id)));
    }

    [Fact]
    public async Task An_embeddings_batch_returns_real_vectors_and_charges_input_tokens_only()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.Embeddings,
            Enumerable.Range(1, 8).Select(i => EmbeddingLine($"e{i}", $"Sentence number {i} about GPUs.")));
        await factory.ValidateAsync(id);

        await factory.RunBatchAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal((BatchStatus.Completed, 8, 0), (batch.Status, batch.RequestCompleted, batch.RequestFailed));
        var output = await factory.ReadResultsAsync(batch.OutputFileId);
        Assert.All(output, l =>
            Assert.Equal(384, l.GetProperty("response").GetProperty("body").GetProperty("data")[0].GetProperty("embedding").GetArrayLength()));
        Assert.Equal(output.Sum(l => Usage(l, "prompt_tokens")), batch.InputTokens);
        Assert.Equal(0, batch.OutputTokens);
        Assert.Equal((batch.InputTokens * 10_000 + 500_000) / 1_000_000, batch.CostMicros);
    }

    [Fact]
    public async Task A_line_over_the_context_or_refused_by_the_model_fails_alone_and_the_rest_run()
    {
        var tooLong = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"word{i}")); // over all-MiniLM's 256 tokens
        var lines = Enumerable.Range(1, 6).Select(i => EmbeddingLine($"e{i}")).ToList();
        lines.Insert(2, EmbeddingLine("too-long", tooLong));
        lines.Insert(4, """{"custom_id":"empty-input","method":"POST","url":"/v1/embeddings","body":{"model":"all-minilm-l6-v2","input":""}}""");
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.Embeddings, lines);
        await factory.ValidateAsync(id);
        var sentBefore = factory.ModelRequests;

        await factory.RunBatchAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal((BatchStatus.Completed, 8, 6, 2), (batch.Status, batch.RequestTotal, batch.RequestCompleted, batch.RequestFailed));
        Assert.Equal(7, factory.ModelRequests - sentBefore); // the line over the context was never sent
        var errors = (await factory.ReadResultsAsync(batch.ErrorFileId)).ToDictionary(CustomId);
        var overContext = errors["too-long"];
        Assert.Equal(JsonValueKind.Null, overContext.GetProperty("response").ValueKind);
        Assert.Equal("context_length_exceeded", overContext.GetProperty("error").GetProperty("code").GetString());
        var refused = errors["empty-input"];
        Assert.Equal(400, refused.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Contains("input", refused.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("error").ValueKind);
        Assert.Equal(2, (await factory.FileAsync(batch.ErrorFileId))!.Lines);
    }

    [Fact]
    public async Task Running_a_finished_batch_again_changes_nothing_and_two_runners_at_once_send_each_line_once()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions,
            Enumerable.Range(1, 200).Select(i => ChatLine($"q{i}")));
        await factory.ValidateAsync(id);
        var sentBefore = factory.ModelRequests;

        await Task.WhenAll(factory.RunBatchAsync(id), factory.RunBatchAsync(id), factory.ValidateAsync(id));
        var done = await factory.LoadAsync(id);
        var bytes = await File.ReadAllBytesAsync(Store.PathOf(done.OutputFileId!));
        await factory.RunBatchAsync(id);
        await factory.ValidateAsync(id);

        Assert.Equal(200, factory.ModelRequests - sentBefore);
        var again = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Completed, again.Status);
        Assert.Equal(done.Version, again.Version);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Store.PathOf(again.OutputFileId!)));
        Assert.Equal(200, (await factory.ReadResultsAsync(again.OutputFileId)).Select(CustomId).Distinct().Count());
    }

    [Fact]
    public async Task A_suspended_tenant_s_batch_pauses_and_resumes_when_the_tenant_is_active_again()
    {
        var tenant = await factory.NewTenantAsync();
        var id = await factory.CreateBatchAsync(tenant, BatchUrls.ChatCompletions, Enumerable.Range(1, 20).Select(i => ChatLine($"q{i}")));
        await factory.ValidateAsync(id);
        await SetTenantStateAsync(tenant, TenantState.Suspended);
        var sentBefore = factory.ModelRequests;

        await factory.RunBatchAsync(id);

        var paused = await factory.LoadAsync(id);
        Assert.Equal((BatchStatus.InProgress, 0), (paused.Status, paused.RequestCompleted));
        Assert.Equal(sentBefore, factory.ModelRequests);

        await SetTenantStateAsync(tenant, TenantState.Active);
        await factory.RunBatchAsync(id);
        Assert.Equal((BatchStatus.Completed, 20), ((await factory.LoadAsync(id)).Status, (await factory.LoadAsync(id)).RequestCompleted));
    }

    private BatchFileStore Store => factory.Services.GetRequiredService<BatchFileStore>();

    private async Task SetTenantStateAsync(Guid tenantId, TenantState state)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(s => s.SetProperty(t => t.State, state));
    }

    internal static string CustomId(JsonElement line) => line.GetProperty("custom_id").GetString()!;

    private static long Usage(JsonElement line, string name) =>
        line.GetProperty("response").GetProperty("body").GetProperty("usage").TryGetProperty(name, out var v) ? v.GetInt64() : 0;
}
