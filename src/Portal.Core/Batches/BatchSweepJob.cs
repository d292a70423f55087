using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

/// <summary>
/// Minutely: whatever a lost or crashed job left behind. A batch still validating with no sign of life for
/// <c>StalledAfterSeconds</c> is validated again (one cancelled while validating at once: it only has to say so); a running or finalizing batch whose runner
/// is not running (no checkpoint for that long, and no runner holds its lock) is resumed, as is one past its window
/// (the runner expires it) and a cancelling one at once; a batch paused because its tenant is suspended waits. Output and error
/// files past their retention are deleted (bytes gone, the row says when, and so does the batch). Each step is
/// idempotent, so running it twice, or beside the jobs, changes nothing more.
/// </summary>
[AutomaticRetry(Attempts = 0)] // it runs again in a minute anyway
public sealed class BatchSweepJob(IDbContextFactory<PortalDbContext> dbFactory, BatchTransitions transitions, BatchRunLock locks,
    BatchFileStore files, IBackgroundJobClient jobs, IOptions<BatchOptions> options, ILogger<BatchSweepJob> logger)
{
    public const string RecurringId = "batch-sweep";
    private const int RetentionBatch = 500;

    public async Task RunAsync(CancellationToken ct = default)
    {
        var now = transitions.Now;
        var stalled = now.AddSeconds(-options.Value.StalledAfterSeconds);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var batches = db.Batches.IgnoreQueryFilters().AsNoTracking();

        var unvalidated = await batches
            .Where(b => b.InProgressAt == null
                && ((b.Status == BatchStatus.Validating && b.CreatedAt <= stalled) || b.Status == BatchStatus.Cancelling))
            .Select(b => b.Id).ToListAsync(ct);
        foreach (var id in unvalidated) jobs.Enqueue<ValidateBatchJob>(j => j.RunAsync(id, CancellationToken.None));

        var running = await batches
            .Where(b => b.InProgressAt != null
                && (b.Status == BatchStatus.InProgress || b.Status == BatchStatus.Cancelling || b.Status == BatchStatus.Finalizing))
            .Select(b => new
            {
                b.Id, b.Status, b.ExpiresAt, b.InProgressAt, b.CancellingAt, b.FinalizingAt,
                Heartbeat = db.BatchCheckpoints.IgnoreQueryFilters().Where(c => c.BatchId == b.Id).Select(c => (DateTime?)c.UpdatedAt).FirstOrDefault(),
                Suspended = db.Tenants.Any(t => t.Id == b.TenantId && t.State == TenantState.Suspended),
            })
            .ToListAsync(ct);
        foreach (var b in running)
        {
            var expired = b.Status == BatchStatus.InProgress && b.ExpiresAt <= now;
            if (b.Status == BatchStatus.InProgress && b.Suspended && !expired) continue; // paused until the tenant is active again
            var lastSign = new[] { b.Heartbeat, b.InProgressAt, b.CancellingAt, b.FinalizingAt }.Max();
            // A cancel must not wait for a stalled runner to be noticed: a cancelling batch nobody holds is resumed now.
            if (!expired && b.Status != BatchStatus.Cancelling && lastSign > stalled) continue;
            if (await locks.IsRunningAsync(b.Id, ct)) continue;
            logger.LogInformation("Sweep: resuming batch {Batch} ({Status}, last progress {At:u})", b.Id, b.Status, lastSign);
            var id = b.Id;
            jobs.Enqueue<RunBatchJob>(j => j.RunAsync(id, CancellationToken.None));
        }

        await DeleteExpiredFilesAsync(db, now, ct);
    }

    /// <summary>Output and error files past retention: bytes first (repeatable), then the rows say so.</summary>
    private async Task DeleteExpiredFilesAsync(PortalDbContext db, DateTime now, CancellationToken ct)
    {
        var expired = await db.BatchFiles.IgnoreQueryFilters().AsNoTracking()
            .Where(f => f.Purpose == BatchFileService.OutputPurpose && f.DeletedAt == null && f.ExpiresAt <= now)
            .OrderBy(f => f.ExpiresAt).Take(RetentionBatch).Select(f => new { f.Id, f.TenantId }).ToListAsync(ct);
        foreach (var file in expired)
        {
            try
            {
                files.Delete(file.Id);
                await using var tenantDb = await transitions.TenantDbAsync(file.TenantId, ct);
                await tenantDb.BatchFiles.Where(f => f.Id == file.Id).ExecuteUpdateAsync(s => s.SetProperty(f => f.DeletedAt, now), ct);
                await tenantDb.Batches.Where(b => (b.OutputFileId == file.Id || b.ErrorFileId == file.Id) && b.FilesDeletedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(b => b.FilesDeletedAt, now), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sweep: could not delete expired file {File}", file.Id);
            }
        }
        if (expired.Count > 0) logger.LogInformation("Sweep: deleted {Count} batch output files past retention", expired.Count);
    }
}
