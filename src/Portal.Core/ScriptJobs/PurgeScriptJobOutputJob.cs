using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Hourly: deletes the kept logs, input files and GPU samples of jobs whose retention has passed (KeepUntil) and says so on the job
/// (PurgedAt), so reads tell the member when they were deleted. Files first, then rows: a run that dies halfway is
/// finished by the next one, and a job already purged is never touched again. Then the pool's folders of purged jobs'
/// tasks (<see cref="ScriptJobPoolCleanup"/>) and job folders of launches that never committed (<see cref="ScriptJobOrphanFolders"/>).
/// </summary>
[AutomaticRetry(Attempts = 0)] // it runs again within the hour anyway
public sealed class PurgeScriptJobOutputJob(IDbContextFactory<PortalDbContext> dbFactory, ScriptJobLogStore store, TimeProvider time,
    ScriptJobOrphanFolders orphans, ScriptJobPoolCleanup poolCleanup, ILogger<PurgeScriptJobOutputJob> logger)
{
    public const string RecurringId = "script-job-output-purge";
    private const int Batch = 200;

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var purged = 0;
        while (true)
        {
            List<(Guid Id, Guid TenantId)> due;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
                due = [.. (await db.ScriptJobs.IgnoreQueryFilters().AsNoTracking()
                    .Where(j => j.PurgedAt == null && j.KeepUntil != null && j.KeepUntil <= now)
                    .OrderBy(j => j.KeepUntil).Take(Batch).Select(j => new { j.Id, j.TenantId }).ToListAsync(ct))
                    .Select(j => (j.Id, j.TenantId))];
            foreach (var (id, tenantId) in due)
            {
                using (await store.LockAsync(id, ct)) store.DeleteJobFiles(id); // not while a late collection writes
                await using var db = (await dbFactory.CreateDbContextAsync(ct)).ForTenant(tenantId);
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await db.ScriptJobSamples.Where(s => s.JobId == id).ExecuteDeleteAsync(ct);
                await db.ScriptJobs.Where(j => j.Id == id && j.PurgedAt == null).ExecuteUpdateAsync(s => s.SetProperty(j => j.PurgedAt, now), ct);
                await tx.CommitAsync(ct);
                purged++;
            }
            if (due.Count < Batch) break;
        }
        if (purged > 0) logger.LogInformation("Deleted the logs and metrics of {Count} script jobs past retention", purged);
        if (await poolCleanup.ForgetPurgedAsync(ct) is > 0 and var forgotten)
            logger.LogInformation("Deleted the pool's folders of {Count} tasks of purged script jobs", forgotten);
        if (await orphans.DeleteAsync(ct) is > 0 and var orphaned)
            logger.LogInformation("Deleted {Count} job folders left by launches that never committed", orphaned);
        return purged;
    }
}
