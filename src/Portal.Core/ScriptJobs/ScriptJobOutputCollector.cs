using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Copies a task's new log bytes and GPU samples from the pool into the portal's keep (capped, secrets masked), so
/// they outlive the pool's copy. The supervisor calls it on every pass for running tasks and once more when a task ends.
/// It runs without a tenant: each task is read whatever its tenant, then written in that tenant's scope only.
/// </summary>
public sealed class ScriptJobOutputCollector(
    IDbContextFactory<PortalDbContext> dbFactory, IGpuPoolDriver pool, ScriptJobLogStore store, ScriptJobSecrets secrets,
    ScriptJobOutputHooks hooks, IOptions<ScriptJobOptions> options, TimeProvider time)
{
    /// <summary>
    /// Idempotent: copies from the task's recorded offsets and advances them; a second call with nothing new does nothing.
    /// <paramref name="untilEnd"/>: the pool says the task ended, so copy all that is left (not one call's share), before the
    /// supervisor records the end: a job is never final with its log's tail still only on the pool.
    /// </summary>
    public async Task CollectAsync(Guid taskId, CancellationToken ct = default, bool untilEnd = false)
    {
        var task = await FindTaskAsync(taskId, ct);
        if (task?.PoolTaskId is null) return; // never reached the pool: nothing to copy
        var copier = new ScriptJobLogCopier(dbFactory, pool, store, secrets, hooks, options.Value);
        using (await store.LockAsync(task.JobId, ct))
        {
            await copier.CopyAsync(task.TenantId, taskId, PoolLogStream.Stdout, untilEnd, ct);
            await copier.CopyAsync(task.TenantId, taskId, PoolLogStream.Stderr, untilEnd, ct);
        }
        await CopyMetricsAsync(task, ct);
    }

    /// <summary>
    /// A task that ended on the pool with no log bytes beyond those kept (<see cref="ScriptJobFollowedTask.EndedWithLogsKept"/>):
    /// what <see cref="CollectAsync"/> would do, without asking the database or the pool for logs (an empty, complete read):
    /// each stream marked complete, then its last samples. A stream whose copy was cut short (its mark says so) takes the
    /// full path. <paramref name="samplesTaken"/>: false when the pool says it took no sample of the task (nothing to ask for).
    /// </summary>
    public async Task CollectEndedAsync(ScriptJobFollowedTask t, Guid tenantId, CancellationToken ct, bool samplesTaken = true)
    {
        var complete = true;
        using (await store.LockAsync(t.JobId, ct))
        {
            foreach (var (stream, offset) in new[] { (PoolLogStream.Stdout, t.StdoutOffset), (PoolLogStream.Stderr, t.StderrOffset) })
            {
                var mark = store.ReadMark(t.JobId, t.Index, stream);
                if (mark?.Matches(t.Attempt, offset) != true)
                    store.WriteMark(t.JobId, t.Index, stream, new(t.Attempt, offset, store.Length(t.JobId, t.Index, stream), Complete: true));
                else complete &= mark.Complete; // recovering from a copy that died after its append: the copier knows how
            }
        }
        if (!complete) await CollectAsync(t.Id, ct, untilEnd: true);
        else if (samplesTaken) await CopyMetricsAsync(new ScriptJobTask { Id = t.Id, TenantId = tenantId, JobId = t.JobId, Index = t.Index,
            PoolTaskId = t.PoolTaskId, MetricsThrough = t.MetricsThrough }, ct);
    }

    /// <summary>Samples after the task's MetricsThrough, inserted with the new MetricsThrough in one transaction (only if it is still the one read).</summary>
    private async Task CopyMetricsAsync(ScriptJobTask task, CancellationToken ct)
    {
        var through = task.MetricsThrough;
        var samples = (await pool.ReadMetricsAsync(task.PoolTaskId!, through, ct)).Where(s => through is null || s.At > through).ToList();
        if (samples.Count == 0) return;
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ForTenant(task.TenantId);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var last = samples.Max(s => s.At);
        var moved = await db.ScriptJobTasks
            .Where(t => t.Id == task.Id && t.PoolTaskId == task.PoolTaskId && t.MetricsThrough == through)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.MetricsThrough, last), ct);
        if (moved == 0) return; // another collection copied them first
        db.ScriptJobSamples.AddRange(samples.Select(s => new ScriptJobSample
        {
            TenantId = task.TenantId, JobId = task.JobId, TaskIndex = task.Index, GpuIndex = s.GpuIndex, At = s.At,
            GpuUtil = s.GpuUtil, FbUsedMiB = s.FbUsedMiB, PowerUsageWatts = s.PowerUsageWatts,
        }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// At a job's end, on the tracked job in the save that ends it (one write, and no ended job left without its summary by a
    /// crash between two): the metrics summary (mean utilisation, peak memory, idle GPUs) and KeepUntil.
    /// </summary>
    public async Task SummarizeAsync(PortalDbContext db, ScriptJob job, IReadOnlyList<ScriptJobTask> tasks, CancellationToken ct)
    {
        // Samples are only ever inserted with their task's MetricsThrough (CopyMetricsAsync): none set, none to add up, which is
        // a short job's usual end (the pool samples every 10 s).
        var summary = tasks.All(t => t.MetricsThrough is null) ? ScriptJobMetricsSummary.From([]) : await SummaryAsync(db, job.Id, ct);
        (job.MeanGpuUtil, job.PeakFbUsedMiB, job.SampledGpus, job.IdleGpus) =
            (summary.MeanGpuUtil, summary.PeakFbUsedMiB, summary.SampledGpus, summary.IdleGpus);
        job.KeepUntil = KeepUntil(job.EndedAt);
    }

    /// <summary>The same for a job that ended elsewhere, read and written on its own.</summary>
    public async Task SummarizeAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.ScriptJobs.IgnoreQueryFilters().AsNoTracking()
            .Where(j => j.Id == jobId).Select(j => new { j.TenantId, j.EndedAt }).FirstOrDefaultAsync(ct);
        if (job is null) return;
        db.ForTenant(job.TenantId);
        var summary = await SummaryAsync(db, jobId, ct);
        var keepUntil = KeepUntil(job.EndedAt);
        await db.ScriptJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.MeanGpuUtil, summary.MeanGpuUtil)
            .SetProperty(j => j.PeakFbUsedMiB, summary.PeakFbUsedMiB)
            .SetProperty(j => j.SampledGpus, summary.SampledGpus)
            .SetProperty(j => j.IdleGpus, summary.IdleGpus)
            .SetProperty(j => j.KeepUntil, keepUntil), ct);
    }

    private DateTime KeepUntil(DateTime? endedAt) => (endedAt ?? time.GetUtcNow().UtcDateTime).AddDays(options.Value.LogRetentionDays);

    // Grouped in the database: a long job has tens of thousands of samples.
    private static async Task<ScriptJobMetricsSummary> SummaryAsync(PortalDbContext db, Guid jobId, CancellationToken ct)
    {
        var gpus = await db.ScriptJobSamples.Where(s => s.JobId == jobId)
            .GroupBy(s => new { s.TaskIndex, s.GpuIndex })
            .Select(g => new { g.Key.TaskIndex, g.Key.GpuIndex, Samples = g.Count(), UtilSum = g.Sum(s => s.GpuUtil),
                PeakUtil = g.Max(s => s.GpuUtil), PeakFb = g.Max(s => s.FbUsedMiB) })
            .ToListAsync(ct);
        return ScriptJobMetricsSummary.From(gpus.Select(g => new ScriptJobGpuFigures(g.TaskIndex, g.GpuIndex, g.Samples, g.UtilSum,
            g.PeakUtil, g.PeakFb)));
    }

    private async Task<ScriptJobTask?> FindTaskAsync(Guid taskId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ScriptJobTasks.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId, ct);
    }
}
