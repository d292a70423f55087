// The SDK marks its Batch API (and a few newer members) as evaluation-only: exactly what these tests exercise.
#pragma warning disable OPENAI001

using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Batch;
using Portal.Core.ApiKeys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Batches;

/// <summary>
/// Tenants with API keys, and the official OpenAI SDK or a raw HttpClient pointed at the test host's /v1.
/// <see cref="WaitForBatchStatusAsync"/> polls a batch through the SDK: once the runner is merged, a test can wait for
/// "completed" with it and download <c>output_file_id</c>.
/// </summary>
public static class OpenAiTestKit
{
    /// <summary>A new organisation whose Owner made a key with <paramref name="scopes"/>; returns the secret.</summary>
    public static async Task<(Guid TenantId, string OwnerId, string Secret)> NewTenantWithKeyAsync(LeaseFactory factory,
        ApiKeyScopes scopes = ApiKeyScopes.Read | ApiKeyScopes.Batches)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        return (tenantId, ownerId, await NewKeyAsync(factory, tenantId, ownerId, scopes));
    }

    /// <summary>A key made by <paramref name="userId"/> (who must be allowed to make it); returns the secret.</summary>
    public static async Task<string> NewKeyAsync(LeaseFactory factory, Guid tenantId, string userId, ApiKeyScopes scopes, string name = "test key")
    {
        await using var member = await factory.As(tenantId, userId);
        return (await member.Get<ApiKeyService>().CreateAsync(name, scopes)).Secret;
    }

    /// <summary>A member of <paramref name="tenantId"/> with <paramref name="role"/>.</summary>
    public static async Task<string> NewMemberAsync(LeaseFactory factory, Guid tenantId, TenantRole role)
    {
        var user = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, user, role);
        return user.Id;
    }

    /// <summary>The official SDK against the test host (no retries: a refusal is seen at once).</summary>
    public static OpenAIClient Sdk(PortalFactory factory, string secret)
    {
        var http = factory.CreateClient();
        return new OpenAIClient(new ApiKeyCredential(secret), new OpenAIClientOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
    }

    /// <summary>A plain HttpClient sending the key, for the error shapes the SDK hides.</summary>
    public static HttpClient Http(PortalFactory factory, string? secret)
    {
        var http = factory.CreateClient();
        if (secret is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    /// <summary>JSONL of <paramref name="lines"/> embeddings requests.</summary>
    public static string EmbeddingsJsonl(int lines, string model = "all-minilm-l6-v2") =>
        string.Concat(Enumerable.Range(1, lines).Select(i =>
            JsonSerializer.Serialize(new { custom_id = $"req-{i}", method = "POST", url = "/v1/embeddings", body = new { model, input = $"line {i}" } }) +
            "\n"));

    public static async Task<string> UploadAsync(OpenAIClient sdk, string jsonl, string filename = "input.jsonl") =>
        (await sdk.GetOpenAIFileClient().UploadFileAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), filename, OpenAI.Files.FileUploadPurpose.Batch))
            .Value.Id;

    /// <summary>Creates a batch through the SDK; returns the operation (its BatchId, UpdateStatus, Cancel).</summary>
    public static Task<CreateBatchOperation> CreateBatchAsync(OpenAIClient sdk, string inputFileId, string endpoint = "/v1/embeddings",
        object? metadata = null) =>
        sdk.GetBatchClient().CreateBatchAsync(BinaryContent.Create(BinaryData.FromObjectAsJson(new
        {
            input_file_id = inputFileId, endpoint, completion_window = "24h", metadata,
        })), waitUntilCompleted: false);

    /// <summary>The batch's JSON as the SDK received it (its typed model has no status).</summary>
    public static async Task<JsonElement> GetBatchJsonAsync(OpenAIClient sdk, string batchId) =>
        Parse(await sdk.GetBatchClient().GetBatchAsync(batchId, new RequestOptions()));

    public static JsonElement Parse(ClientResult result) => JsonDocument.Parse(result.GetRawResponse().Content.ToString()).RootElement.Clone();

    /// <summary>Polls the batch through the SDK until its status is one of <paramref name="statuses"/>; returns its JSON.</summary>
    public static async Task<JsonElement> WaitForBatchStatusAsync(OpenAIClient sdk, string batchId, TimeSpan timeout, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var batch = await GetBatchJsonAsync(sdk, batchId);
            var status = batch.GetProperty("status").GetString();
            if (statuses.Contains(status)) return batch;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Batch {batchId} is still '{status}' after {timeout}; waited for {string.Join(" or ", statuses)}.");
            await Task.Delay(200);
        }
    }

    /// <summary>A file's bytes through the SDK, as text.</summary>
    public static async Task<string> DownloadAsync(OpenAIClient sdk, string fileId) =>
        (await sdk.GetOpenAIFileClient().DownloadFileAsync(fileId)).Value.ToString();
}
