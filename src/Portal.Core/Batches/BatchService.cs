using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

/// <summary>What a batch is created from (OpenAI's create-batch body).</summary>
public sealed record BatchRequest(string? InputFileId, string? Endpoint, string? CompletionWindow, IReadOnlyDictionary<string, string>? Metadata);

/// <summary>
/// The organisation's batches, as OpenAI's Batch API: create (status validating, then <see cref="ValidateBatchJob"/>),
/// get, list, cancel. Members and up create and cancel; everyone reads. The runner does the rest.
/// </summary>
public sealed class BatchService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditLog audit,
    TimeProvider time, IBackgroundJobClient jobs, BatchSpendGate spendGate, PortalChanges changes)
{
    public static readonly IReadOnlyList<string> Endpoints = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"];
    public const string CompletionWindow = "24h";
    public static readonly TimeSpan CompletionWindowLength = TimeSpan.FromHours(24);
    public static readonly BatchStatus[] RunningStatuses = [BatchStatus.Validating, BatchStatus.InProgress, BatchStatus.Finalizing, BatchStatus.Cancelling];

    public async Task<Batch> CreateAsync(BatchRequest request, CancellationToken ct = default)
    {
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Member, "create batches", ct);
        var metadata = BatchRequestRules.Check(request);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var input = await db.BatchFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == request.InputFileId && f.DeletedAt == null, ct)
                    ?? throw new BatchException(404, $"No such File object: {request.InputFileId}", "input_file_id");
        if (input.Purpose != BatchFileService.BatchPurpose)
            throw BatchException.Invalid(
                $"File {input.Id} has purpose '{input.Purpose}'; a batch's input must be uploaded with purpose 'batch'.", "input_file_id");
        await spendGate.EnsureCanStartAsync(db, ct);

        var now = time.GetUtcNow().UtcDateTime;
        var batch = new Batch
        {
            Id = BatchFileStore.NewId("batch_"), Endpoint = request.Endpoint!, InputFileId = input.Id, CompletionWindow = CompletionWindow,
            Status = BatchStatus.Validating, CreatedAt = now, ExpiresAt = now + CompletionWindowLength,
            MetadataJson = metadata, CreatedByUserId = tenant.UserId, CreatedByApiKeyId = tenant.ApiKeyId,
        };
        db.Batches.Add(batch);
        audit.Add(db, "batch.created", "Batch", batch.Id, $"{batch.Endpoint} on {input.Filename}", tenant.TenantId);
        await db.SaveChangesAsync(ct);
        // After the commit, so the job finds the batch; ids only (jobs may run twice and re-read everything).
        var id = batch.Id;
        jobs.Enqueue<ValidateBatchJob>(j => j.RunAsync(id, CancellationToken.None));
        return batch;
    }

    public async Task<Batch?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct);
    }

    /// <summary>Newest first, after the batch <paramref name="after"/>.</summary>
    public async Task<(List<Batch> Batches, bool HasMore)> ListAsync(string? after, int limit, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Batches.AsNoTracking();
        if (!string.IsNullOrEmpty(after))
        {
            var cursor = await db.Batches.AsNoTracking().Where(b => b.Id == after).Select(b => new { b.CreatedAt }).FirstOrDefaultAsync(ct)
                         ?? throw BatchException.Invalid($"There is no batch '{after}' to list after.", "after");
            q = q.Where(b => b.CreatedAt < cursor.CreatedAt || (b.CreatedAt == cursor.CreatedAt && string.Compare(b.Id, after) < 0));
        }
        var page = await q.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id).Take(limit + 1).ToListAsync(ct);
        var hasMore = page.Count > limit;
        if (hasMore) page.RemoveAt(limit);
        return (page, hasMore);
    }

    /// <summary>
    /// Validating or in progress: cancelling now (the runner stops, keeps finished lines and marks it cancelled).
    /// Already cancelling: unchanged. Finished: refused with 409.
    /// </summary>
    public async Task<Batch> CancelAsync(string id, CancellationToken ct = default)
    {
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Member, "cancel batches", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            var batch = await db.Batches.FirstOrDefaultAsync(b => b.Id == id, ct) ?? throw BatchException.BatchNotFound(id);
            if (batch.Status == BatchStatus.Cancelling) return batch;
            if (batch.Status is not (BatchStatus.Validating or BatchStatus.InProgress))
                throw new BatchException(409, $"Cannot cancel a batch with status '{OpenAiStatus(batch.Status)}'.", "batch_id", "batch_not_cancellable");
            batch.Status = BatchStatus.Cancelling;
            batch.CancellingAt = time.GetUtcNow().UtcDateTime;
            batch.Version++;
            audit.Add(db, "batch.cancelled", "Batch", batch.Id, batch.Endpoint, tenant.TenantId);
            try
            {
                await db.SaveChangesAsync(ct);
                // Other open pages (the list, another tab, Support's) show "cancelling" at once, not at the runner's next checkpoint.
                changes.Publish(new PortalChange(batch.TenantId, PortalChange.Batch, EntityKey: batch.Id));
                return batch;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // The runner moved it meanwhile (e.g. validating → in_progress, or finished): decide again on what it is now.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>OpenAI's spelling of a status: <c>in_progress</c>.</summary>
    public static string OpenAiStatus(BatchStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
