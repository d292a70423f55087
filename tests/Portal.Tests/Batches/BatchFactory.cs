using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Batches;

/// <summary>
/// The portal with its embedded pool (latency 0) on the system clock, tuned so that batch runs checkpoint often and
/// retry fast. <see cref="Intercept"/>, when set, answers the runner's model requests instead of the simulator.
/// </summary>
public class BatchFactory : PortalFactory
{
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>? Intercept { get; set; }

    /// <summary>Requests the runner sent to model servers (intercepted or not).</summary>
    public int ModelRequests => requests;
    private int requests;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Batches:CheckpointEveryLines", "25"),
        new("Batches:CheckpointIntervalMs", "200"),
        new("Batches:RetryBaseDelayMs", "5"),
        new("Batches:MaxRetryDelaySeconds", "1"),
        new("Batches:MaxAttemptsPerLine", "3"),
        new("Batches:CancelGraceSeconds", "2"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddHttpClient(RunBatchJob.HttpClientName)
            .AddHttpMessageHandler(() => new InterceptingHandler(this)));
    }

    public async Task<Guid> NewTenantAsync()
    {
        var owner = await CreateUserAsync();
        return (await CreateOrganizationAsync(owner)).Id;
    }

    /// <summary>Saves the input bytes and adds the file and the batch (validating), as the API does.</summary>
    public async Task<string> CreateBatchAsync(Guid tenantId, string endpoint, Func<Stream, Task> write, DateTime? expiresAt = null)
    {
        var store = Services.GetRequiredService<BatchFileStore>();
        var fileId = BatchFileStore.NewId("file-");
        await using (var file = File.Create(store.PathOf(fileId))) await write(file); // straight into the store: a 200 MB input is written once
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope).ForTenant(tenantId);
        var now = DateTime.UtcNow;
        db.BatchFiles.Add(new BatchFile
        {
            Id = fileId, Filename = "input.jsonl", Purpose = "batch", Bytes = new FileInfo(store.PathOf(fileId)).Length, CreatedAt = now,
        });
        var batch = new Batch
        {
            Id = BatchFileStore.NewId("batch_"), Endpoint = endpoint, InputFileId = fileId, Status = BatchStatus.Validating,
            CreatedAt = now, ExpiresAt = expiresAt ?? now.AddHours(24),
        };
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return batch.Id;
    }

    public Task<string> CreateBatchAsync(Guid tenantId, string endpoint, IEnumerable<string> lines, DateTime? expiresAt = null) =>
        CreateBatchAsync(tenantId, endpoint, async s =>
        {
            await using var w = new StreamWriter(s, new UTF8Encoding(false));
            foreach (var line in lines) await w.WriteAsync(line + "\n");
        }, expiresAt);

    /// <summary>Runs a job in its own scope, as Hangfire does: every call is a fresh instance with nothing in memory.</summary>
    public async Task RunAsync<TJob>(Func<TJob, Task> run) where TJob : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }

    public Task ValidateAsync(string batchId) => RunAsync<ValidateBatchJob>(j => j.RunAsync(batchId, CancellationToken.None));
    public Task RunBatchAsync(string batchId, CancellationToken ct = default) => RunAsync<RunBatchJob>(j => j.RunAsync(batchId, ct));

    public async Task<Batch> LoadAsync(string batchId)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        return await db.Batches.AsNoTracking().SingleAsync(b => b.Id == batchId);
    }

    public async Task ChangeAsync(string batchId, Action<Batch> change)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        var batch = await db.Batches.SingleAsync(b => b.Id == batchId);
        change(batch);
        batch.Version++;
        await db.SaveChangesAsync();
    }

    public async Task<BatchFile?> FileAsync(string? fileId)
    {
        if (fileId is null) return null;
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        return await db.BatchFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId);
    }

    /// <summary>The lines of an output or error file (none when there is no file), parsed.</summary>
    public async Task<List<JsonElement>> ReadResultsAsync(string? fileId)
    {
        if (fileId is null) return [];
        var text = await File.ReadAllTextAsync(Services.GetRequiredService<BatchFileStore>().PathOf(fileId));
        Assert.EndsWith("\n", text);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private sealed class InterceptingHandler(BatchFactory factory) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Interlocked.Increment(ref factory.requests);
            return factory.Intercept is { } intercept ? intercept(request, ct) : base.SendAsync(request, ct);
        }
    }
}

/// <summary>Input lines as OpenAI's docs write them.</summary>
public static class BatchLines
{
    public const string Chat = "llama-3.3-70b-instruct";
    public const string Embeddings = "all-minilm-l6-v2";

    public static string ChatLine(string customId, string content = "Say hello.", string model = Chat, int? maxTokens = 5,
        string url = BatchUrls.ChatCompletions) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["custom_id"] = customId, ["method"] = "POST", ["url"] = url,
            ["body"] = new Dictionary<string, object?>
            {
                ["model"] = model, ["messages"] = new[] { new { role = "user", content } }, ["max_tokens"] = maxTokens,
            },
        });

    public static string EmbeddingLine(string customId, string input = "The quick brown fox.", string model = Embeddings) =>
        JsonSerializer.Serialize(new
        {
            custom_id = customId, method = "POST", url = BatchUrls.Embeddings, body = new { model, input },
        });
}
