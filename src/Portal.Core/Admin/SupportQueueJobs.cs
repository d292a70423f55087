using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.ScriptJobs;

namespace Portal.Core.Admin;

/// <summary>
/// The background-work part of Support's queue: Hangfire jobs that failed for good (retries spent), and tenants' script
/// jobs and batches that stopped moving.
/// </summary>
public sealed class SupportQueueJobs(JobStorage storage)
{
    public async Task<SupportQueueSection[]> LoadAsync(PortalDbContext db, DateTime stalledBefore, DateTime now, CancellationToken ct) =>
        [FailedBackgroundJobs(), await StalledScriptJobsAsync(db, stalledBefore, ct), await StalledBatchesAsync(db, stalledBefore, now, ct)];

    /// <summary>Jobs in Hangfire's Failed state: they will not run again until someone retries or deletes them in the dashboard.</summary>
    private SupportQueueSection FailedBackgroundJobs()
    {
        var monitoring = storage.GetMonitoringApi();
        var total = (int)monitoring.FailedCount();
        var items = total == 0 ? [] : monitoring.FailedJobs(0, SupportQueueLimits.Shown)
            .Select(j => new SupportQueueItem(
                j.Value?.Job is { } job ? $"{job.Type.Name}.{job.Method.Name}" : "A job whose code is gone",
                j.Value?.ExceptionMessage is { Length: > 0 } message ? Shorten(message) : "Failed",
                $"/admin/jobs/jobs/details/{j.Key}", j.Value?.FailedAt))
            .ToList();
        return new("background-jobs", "Failed background jobs", items, total, "/admin/jobs/jobs/failed");
    }

    /// <summary>Script jobs still starting long after they were placed: the pool never confirmed their tasks.</summary>
    private static async Task<SupportQueueSection> StalledScriptJobsAsync(PortalDbContext db, DateTime stalledBefore, CancellationToken ct)
    {
        var jobs = db.ScriptJobs.Where(j => j.State == ScriptJobState.Starting && (j.StartedAt ?? j.CreatedAt) < stalledBefore);
        var rows = await jobs.OrderBy(j => j.CreatedAt).Take(SupportQueueLimits.Shown)
            .Select(j => new { j.Name, j.LeaseId, j.CreatedAt, Tenant = db.Tenants.Where(t => t.Id == j.TenantId).Select(t => t.Name).First() })
            .ToListAsync(ct);
        return new("script-jobs", "Stalled script jobs",
            rows.Select(r => new SupportQueueItem($"{r.Tenant}: {r.Name}", $"Starting since {r.CreatedAt:d MMM HH:mm} UTC",
                $"/admin/leases/{r.LeaseId}", r.CreatedAt)).ToList(),
            await jobs.CountAsync(ct));
    }

    /// <summary>Batches stuck in a passing state: validating, finalizing or cancelling for long, or in progress past their window.</summary>
    private static async Task<SupportQueueSection> StalledBatchesAsync(PortalDbContext db, DateTime stalledBefore, DateTime now, CancellationToken ct)
    {
        var batches = db.Batches.Where(b =>
            (b.Status == BatchStatus.Validating && b.CreatedAt < stalledBefore)
            || (b.Status == BatchStatus.InProgress && b.ExpiresAt < now)
            || (b.Status == BatchStatus.Finalizing && b.FinalizingAt < stalledBefore)
            || (b.Status == BatchStatus.Cancelling && b.CancellingAt < stalledBefore));
        var rows = await batches.OrderBy(b => b.CreatedAt).Take(SupportQueueLimits.Shown)
            .Select(b => new { b.Id, b.Status, b.CreatedAt, Tenant = db.Tenants.Where(t => t.Id == b.TenantId).Select(t => t.Name).First() })
            .ToListAsync(ct);
        return new("batches", "Stalled batches",
            rows.Select(r => new SupportQueueItem($"{r.Tenant}: {r.Id}", $"{r.Status} since {r.CreatedAt:d MMM HH:mm} UTC",
                $"/admin/batches/{r.Id}", r.CreatedAt)).ToList(),
            await batches.CountAsync(ct), "/admin/batches");
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
