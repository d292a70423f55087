// The SDK marks its Batch API (and a few newer members) as evaluation-only: exactly what these tests exercise.
#pragma warning disable OPENAI001

using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using OpenAI.Batch;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.Batches;

/// <summary>
/// The official OpenAI .NET SDK, unchanged but for its base URL and key, against the portal: if it works, programs
/// written for OpenAI's Batch API work here. (No Hangfire server on this host: a test runs the jobs itself.)
/// </summary>
public class OpenAiSdkTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task The_sdk_uploads_creates_gets_lists_cancels_and_downloads()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        var sdk = Sdk(factory, secret);
        var files = sdk.GetOpenAIFileClient();
        var jsonl = EmbeddingsJsonl(3);

        var uploaded = (await files.UploadFileAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), "three.jsonl",
            OpenAI.Files.FileUploadPurpose.Batch)).Value;
        Assert.StartsWith("file-", uploaded.Id);
        Assert.Equal("three.jsonl", uploaded.Filename);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(jsonl), uploaded.SizeInBytesLong);
        Assert.Equal(OpenAI.Files.FilePurpose.Batch, uploaded.Purpose);
        Assert.Equal(factory.Now, uploaded.CreatedAt.UtcDateTime);
        Assert.Equal(uploaded.Id, (await files.GetFileAsync(uploaded.Id)).Value.Id);
        Assert.Contains((await files.GetFilesAsync(OpenAI.Files.FilePurpose.Batch)).Value, f => f.Id == uploaded.Id);
        Assert.Equal(jsonl, await DownloadAsync(sdk, uploaded.Id));

        var first = await CreateBatchAsync(sdk, uploaded.Id, metadata: new { job = "nightly" });
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await CreateBatchAsync(sdk, uploaded.Id);
        Assert.StartsWith("batch_", first.BatchId);
        var batch = await GetBatchJsonAsync(sdk, first.BatchId);
        Assert.Equal("validating", batch.GetProperty("status").GetString());
        Assert.Equal("/v1/embeddings", batch.GetProperty("endpoint").GetString());
        Assert.Equal(uploaded.Id, batch.GetProperty("input_file_id").GetString());
        Assert.Equal("nightly", batch.GetProperty("metadata").GetProperty("job").GetString());
        Assert.Equal(batch.GetProperty("created_at").GetInt64() + 24 * 3600, batch.GetProperty("expires_at").GetInt64());

        // Paging one at a time: the SDK follows last_id / has_more by itself, newest first.
        var listed = new List<BatchJob>();
        await foreach (var job in sdk.GetBatchClient().GetBatchesAsync(new BatchCollectionOptions { PageSizeLimit = 1 }))
            listed.Add(job);
        Assert.Equal([second.BatchId, first.BatchId], listed.Select(b => b.Id));
        Assert.Equal("nightly", listed[1].Metadata["job"]);

        var cancelled = Parse(await first.CancelAsync(new RequestOptions()));
        Assert.Equal("cancelling", cancelled.GetProperty("status").GetString());
        Assert.Equal(Unix(factory.Now), cancelled.GetProperty("cancelling_at").GetInt64());
        Assert.Equal("cancelling",
            (await WaitForBatchStatusAsync(sdk, first.BatchId, TimeSpan.FromSeconds(5), "cancelling")).GetProperty("status").GetString());
        Assert.Equal("validating", (await GetBatchJsonAsync(sdk, second.BatchId)).GetProperty("status").GetString());

        var models = (await sdk.GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Contains(models, m => m.Id == "all-minilm-l6-v2");
        Assert.Contains(models, m => m.Id == "llama-3.3-70b-instruct");
        Assert.Equal("all-minilm-l6-v2", (await sdk.GetOpenAIModelClient().GetModelAsync("all-minilm-l6-v2")).Value.Id);

        var deleted = (await files.DeleteFileAsync(
            (await files.UploadFileAsync(BinaryData.FromString(jsonl), "x.jsonl", OpenAI.Files.FileUploadPurpose.Batch)).Value.Id)).Value;
        Assert.True(deleted.Deleted);
    }

    [Fact]
    public async Task The_sdk_polls_a_batch_to_completed_and_downloads_its_output_in_openais_shape()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        var sdk = Sdk(factory, secret);
        var input = await UploadAsync(sdk, EmbeddingsJsonl(4));
        var created = await CreateBatchAsync(sdk, input);

        // This host runs no Hangfire server: run the two jobs as a worker would.
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ValidateBatchJob>().RunAsync(created.BatchId, CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<RunBatchJob>().RunAsync(created.BatchId, CancellationToken.None);
        }

        var done = await WaitForBatchStatusAsync(sdk, created.BatchId, TimeSpan.FromSeconds(10), "completed", "failed");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var counts = done.GetProperty("request_counts");
        Assert.Equal((4, 4, 0), (counts.GetProperty("total").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error_file_id").ValueKind);
        Assert.True(done.GetProperty("usage").GetProperty("input_tokens").GetInt64() > 0);

        var output = await DownloadAsync(sdk, done.GetProperty("output_file_id").GetString()!);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["req-1", "req-2", "req-3", "req-4"], lines.Select(l => l.GetProperty("custom_id").GetString()).Order());
        Assert.All(lines, l =>
        {
            Assert.StartsWith("batch_req_", l.GetProperty("id").GetString());
            Assert.Equal(200, l.GetProperty("response").GetProperty("status_code").GetInt32());
            Assert.Equal(384, l.GetProperty("response").GetProperty("body").GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, l.GetProperty("error").ValueKind);
        });
    }

    [Fact]
    public async Task The_sdk_sees_a_refusal_as_a_client_result_exception_with_the_status()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        var sdk = Sdk(factory, secret);

        var missing = await Assert.ThrowsAsync<ClientResultException>(() => sdk.GetOpenAIFileClient().GetFileAsync("file-doesnotexist"));
        Assert.Equal(404, missing.Status);
        Assert.Contains("No such File object", missing.Message);

        var unauthorised = await Assert.ThrowsAsync<ClientResultException>(() =>
            Sdk(factory, "sk-portal-" + new string('x', 40)).GetOpenAIModelClient().GetModelsAsync());
        Assert.Equal(401, unauthorised.Status);
    }

    private static long Unix(DateTime t) => new DateTimeOffset(t).ToUnixTimeSeconds();
}
