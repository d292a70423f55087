using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Batches;

/// <summary>
/// Batches for the page tests: created through the services a member's page uses, then moved along behind the
/// portal's back as the runner would (status, counts, tokens, cost, output and error files in the store).
/// </summary>
public static class BatchPagesKit
{
    public const string Embeddings = "/v1/embeddings";

    public sealed record Owner(Guid TenantId, string UserId, string Email);

    public static async Task<Owner> NewOwnerAsync(LeaseFactory factory)
    {
        var user = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(user);
        return new Owner(tenant.Id, user.Id, user.Email!);
    }

    /// <summary>An input file and a batch on it, as the new batch page makes them (status validating).</summary>
    public static async Task<Batch> NewBatchAsync(LeaseFactory factory, Owner owner, string? jsonl = null, string endpoint = Embeddings,
        string filename = "input.jsonl")
    {
        await using var member = await factory.As(owner.TenantId, owner.UserId);
        var file = await member.Get<BatchFileService>().UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl ?? OpenAiTestKit.EmbeddingsJsonl(3))),
            filename, BatchFileService.BatchPurpose);
        return await member.Get<BatchService>().CreateAsync(new BatchRequest(file.Id, endpoint, "24h", null));
    }

    /// <summary>What the runner leaves: a finished batch with its counts, usage, cost and files (null text: no such file).</summary>
    public static async Task<Batch> FinishAsync(LeaseFactory factory, string batchId, BatchStatus status, int completed, int failed,
        string? output, string? errors, long inputTokens = 30, long outputTokens = 0, long costMicros = 0, string model = "all-minilm-l6-v2")
    {
        using var scope = factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<BatchFileStore>();
        await using var db = factory.CreateDbContext(scope);
        var batch = await db.Batches.FirstAsync(b => b.Id == batchId);
        var now = factory.Now;
        batch.Status = status;
        batch.Model = model;
        batch.RequestTotal = completed + failed;
        batch.RequestCompleted = completed;
        batch.RequestFailed = failed;
        batch.InputTokens = inputTokens;
        batch.OutputTokens = outputTokens;
        batch.CostMicros = costMicros;
        batch.InputMicrosPerMillionTokens = 10_000;
        batch.InProgressAt = now;
        if (status != BatchStatus.InProgress)
        {
            batch.FinalizingAt = now;
            batch.CompletedAt = status == BatchStatus.Completed ? now : null;
            batch.CancellingAt = batch.CancelledAt = status == BatchStatus.Cancelled ? now : null;
        }
        batch.OutputFileId = output is null ? null : await AddFileAsync(db, store, batch, "output", output, factory.Now);
        batch.ErrorFileId = errors is null ? null : await AddFileAsync(db, store, batch, "error", errors, factory.Now);
        batch.Version++;
        await db.SaveChangesAsync();
        return batch;
    }

    /// <summary>A batch that failed validation with these problems (OpenAI's errors.data).</summary>
    public static async Task FailValidationAsync(LeaseFactory factory, string batchId, string errorsJson)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s
            .SetProperty(b => b.Status, BatchStatus.Failed).SetProperty(b => b.FailedAt, factory.Now).SetProperty(b => b.ErrorsJson, errorsJson));
    }

    /// <summary>What the retention job does: the output and error files' bytes are gone and the batch says when.</summary>
    public static async Task ExpireFilesAsync(LeaseFactory factory, string batchId)
    {
        using var scope = factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<BatchFileStore>();
        await using var db = factory.CreateDbContext(scope);
        var batch = await db.Batches.FirstAsync(b => b.Id == batchId);
        foreach (var file in await db.BatchFiles.Where(f => f.Id == batch.OutputFileId || f.Id == batch.ErrorFileId).ToListAsync())
        {
            file.DeletedAt = factory.Now;
            store.Delete(file.Id);
        }
        batch.FilesDeletedAt = factory.Now;
        await db.SaveChangesAsync();
    }

    public static async Task<Batch> ReloadAsync(LeaseFactory factory, string batchId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Batches.AsNoTracking().FirstAsync(b => b.Id == batchId);
    }

    public static async Task<PortalClient> SignedInAsync(LeaseFactory factory, string email)
    {
        var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(email);
        return client;
    }

    /// <summary>The page as a person reads it: entities decoded (Blazor writes "·" as "&amp;#xB7;").</summary>
    public static async Task<string> PageAsync(PortalClient client, string url) => System.Net.WebUtility.HtmlDecode(await client.GetPageAsync(url));

    /// <summary>A pattern: an element with this data-testid whose text is exactly <paramref name="text"/>.</summary>
    public static string Shown(string testId, string text) => $"data-testid=\"{testId}\"[^>]*>{System.Text.RegularExpressions.Regex.Escape(text)}<";

    /// <summary>A date as the batch pages write it: "26 December 2026".</summary>
    public static string Date(DateTime utc) => utc.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An output line in OpenAI's shape.</summary>
    public static string OutputLine(string customId) =>
        $$$"""{"id":"batch_req_{{{customId}}}","custom_id":"{{{customId}}}","response":{"status_code":200,"request_id":"req_""" +
        $$$"""{{{customId}}}","body":{"object":"list"}},"error":null}""" + "\n";

    /// <summary>An output or error file as the runner adds it (named <c>batch_..._output.jsonl</c> / <c>_error.jsonl</c>).</summary>
    private static async Task<string> AddFileAsync(Portal.Core.Data.PortalDbContext db, BatchFileStore store, Batch batch, string kind, string text,
        DateTime now)
    {
        var id = BatchFileStore.NewId("file-");
        var bytes = await store.SaveAsync(id, new MemoryStream(Encoding.UTF8.GetBytes(text)));
        db.BatchFiles.Add(new BatchFile
        {
            Id = id, TenantId = batch.TenantId, Filename = $"{batch.Id}_{kind}.jsonl", Purpose = BatchFileService.OutputPurpose, Bytes = bytes,
            Lines = text.Count(c => c == '\n'), CreatedAt = now, ExpiresAt = now.AddDays(30),
        });
        return id;
    }
}
