using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Follows one job for a pass of <see cref="ScriptJobSweep"/>: its tasks to the pool's states, the lease's end, its
/// own state and GPU-seconds, its end notice; all saved at once with the job's version. Then, outside the
/// transaction: tasks the pool never got are submitted again (same id), and new output is copied from the pool. A job that
/// ends gets its metrics summary and KeepUntil in the same save.
/// </summary>
public sealed class ScriptJobFollower(IDbContextFactory<PortalDbContext> dbFactory, IGpuPoolDriver pool, ScriptJobDispatcher dispatcher,
    ScriptJobNotices notices, ScriptJobOutputCollector collector, TimeProvider time, IOptions<ScriptJobOptions> options,
    ILogger<ScriptJobFollower> logger)
{
    /// <param name="onPoolTasks">The job's Starting and Running tasks as the pass read them (<see cref="ScriptJobSweep"/>).</param>
    /// <returns>True when this pass ended the job.</returns>
    public async Task<bool> FollowAsync(Guid jobId, Lease lease, LeaseStop? stop, IReadOnlyDictionary<string, PoolTaskStatus> onPool,
        IReadOnlyList<ScriptJobFollowedTask> onPoolTasks, CancellationToken ct)
    {
        // Output first, while each task still names the attempt that wrote it (a retry below clears that), and in its own
        // step, so that whatever the copy records on the task cannot collide with the state change saved after it.
        await CollectAsync(onPoolTasks, onPool, lease.TenantId, ct);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ForTenant(lease.TenantId); // a job is changed in its own tenant's scope only
        // The job with its tasks in one read.
        var job = await db.ScriptJobs.Include(j => j.Tasks).FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || ScriptJobStateMachine.IsFinal(job.State)) return false;
        var tasks = job.Tasks.OrderBy(t => t.Index).ToList();
        var now = time.GetUtcNow().UtcDateTime;
        if (stop is not null) StopForLeaseEnd(job, tasks, now);
        // Stopped jobs' tasks are asked to stop on every pass until the pool ends them: the pool's cancel is idempotent and
        // only ever shortens the grace, and a task submitted by a pass that raced the stop is caught by the next one.
        var grace = stop?.Grace ?? (job.CancelledByUserId is not null ? TimeSpan.FromSeconds(options.Value.CancelGraceSeconds) : null);
        if (grace is not null)
            foreach (var task in tasks.Where(t => t.State is Starting or Running && t.PoolTaskId is not null))
                await pool.CancelTaskAsync(task.PoolTaskId!, grace.Value, ct);

        var resubmit = new List<ScriptJobTask>();
        foreach (var task in tasks.Where(t => t.State is Starting or Running))
        {
            var status = task.PoolTaskId is null ? null
                : onPool.GetValueOrDefault(task.PoolTaskId) ?? await pool.GetTaskAsync(task.PoolTaskId, ct); // the list may predate a submit
            if (status is { IsFinal: true } && !onPool.ContainsKey(task.PoolTaskId!))
                await TryAsync(() => collector.CollectAsync(task.Id, ct, untilEnd: true), "copying the output of task {0}", task.Id);
            if (status is not null) ScriptJobFollowing.Follow(job, task, status, lease.End, now);
            else if (task.State == Running) ScriptJobFollowing.Lost(job, task, lease.End, now); // the pool lost it: its node, in effect
            else if (job.CancelledByName is { } by) ScriptJobStateMachine.Move(task, Cancelled, $"Cancelled by {by}", now);
            else if (stop is not null) ScriptJobStateMachine.Move(task, LeaseEnded, ScriptJobFollowing.LeaseEndedReason(job.LeaseEndSignalledAt!.Value), now);
            else if (task.PoolTaskId is not null) resubmit.Add(task); // recorded Starting, but the submit never reached the pool
            else ScriptJobStateMachine.Move(task, Queued, "Waiting for GPUs", now);
        }
        ScriptJobOutcome.Aggregate(job, tasks, now);
        var ended = ScriptJobStateMachine.IsFinal(job.State);
        if (ended) await collector.SummarizeAsync(db, job, tasks, ct); // in the save that ends it
        if (Bump(db))
        {
            if (ended) await notices.AddEndedAsync(db, job, ct);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException)
            {
                return false; // another pass (or a cancel) changed the job first: the next pass decides on what it wrote
            }
            notices.AfterCommit(job, notified: ended);
        }
        foreach (var task in resubmit)
            await dispatcher.SubmitAsync(task, job, lease, ct);
        return ended;
    }

    /// <summary>
    /// Copies new output of the job's tasks that are on the pool; all of it for a task the pool's list says ended, since this
    /// pass records that end from the same list. A running task whose log sizes on the pool equal what is kept, with recent
    /// samples, is skipped: a pass over a busy lease costs no query here, not a dozen pool calls per task.
    /// </summary>
    private async Task CollectAsync(IReadOnlyList<ScriptJobFollowedTask> tasks, IReadOnlyDictionary<string, PoolTaskStatus> poolView,
        Guid tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var metricsPoll = TimeSpan.FromSeconds(options.Value.MetricsPollSeconds);
        foreach (var t in tasks.Where(t => t.PoolTaskId is not null))
        {
            var status = poolView.GetValueOrDefault(t.PoolTaskId!);
            if (t.OutputQuiet(status, now, metricsPoll)) continue;
            // Ended with every log byte already kept (a quiet task's usual end): the sweep's read is enough, no reads again.
            // An ended task the pool took no sample of (one shorter than the pool's sampling interval) has none to ask for.
            if (t.EndedWithLogsKept(status))
                await TryAsync(() => collector.CollectEndedAsync(t, tenantId, ct, samplesTaken: status!.Samples != 0), "copying the output of task {0}", t.Id);
            else await TryAsync(() => collector.CollectAsync(t.Id, ct, untilEnd: status?.IsFinal == true), "copying the output of task {0}", t.Id);
        }
    }

    /// <summary>The lease's end: recorded once (the time of the SIGTERM, in every task's reason), and queued tasks end at once.</summary>
    private static void StopForLeaseEnd(ScriptJob job, List<ScriptJobTask> tasks, DateTime now)
    {
        job.LeaseEndSignalledAt ??= now;
        var reason = ScriptJobFollowing.LeaseEndedReason(job.LeaseEndSignalledAt.Value);
        foreach (var task in tasks.Where(t => t.State == Queued))
            ScriptJobStateMachine.Move(task, LeaseEnded, reason, now);
    }

    /// <summary>Bumps the version of every job and task this pass changed; false when it changed nothing.</summary>
    private static bool Bump(PortalDbContext db)
    {
        var changed = false;
        foreach (var e in db.ChangeTracker.Entries<ScriptJob>().Where(e => e.State == EntityState.Modified))
            (e.Entity.Version, changed) = (e.Entity.Version + 1, true);
        foreach (var e in db.ChangeTracker.Entries<ScriptJobTask>().Where(e => e.State == EntityState.Modified))
            (e.Entity.Version, changed) = (e.Entity.Version + 1, true);
        return changed;
    }

    // Copying output must not stop jobs from being followed: the copy resumes from its recorded offsets next time.
    private async Task TryAsync(Func<Task> copy, string what, Guid id)
    {
        try { await copy(); }
        catch (Exception e)
        {
            logger.LogWarning(e, "Script jobs: {What} failed", string.Format(what, id));
        }
    }
}
