using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// One pass over every lease with open jobs: follow each task to the pool's state (one list call for all), stop
/// what a lease's end stops, then start what fits. Idempotent and safe to run twice at once, in one process or two:
/// each job is saved with its <see cref="ScriptJob.Version"/>, so of two passes deciding the same change one wins
/// and the other drops its copy (and its notice); the next pass decides again on fresh data. A process that starts
/// (after a crash or a deploy) re-attaches the same way: it reads the open tasks from the database and asks the pool.
/// </summary>
public sealed class ScriptJobSweep(IDbContextFactory<PortalDbContext> dbFactory, IGpuPoolDriver pool, ScriptJobFollower follower,
    ScriptJobDispatcher dispatcher, TimeProvider time, IOptions<ScriptJobOptions> options, ILogger<ScriptJobSweep> logger)
{
    private static readonly ScriptJobState[] Open = [Queued, Starting, Running];

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>One pass; true when there were open jobs (the supervisor then waits on the pool's task changes).</summary>
    public async Task<bool> RunAsync(CancellationToken ct = default)
    {
        List<Guid> leaseIds;
        List<string> onPoolIds;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ActAsSupport(); // the system's pass over every tenant's jobs; each job is then changed in its tenant's scope
            leaseIds = await db.ScriptJobs.Where(j => Open.Contains(j.State)).Select(j => j.LeaseId).Distinct().ToListAsync(ct);
            onPoolIds = await db.ScriptJobTasks.Where(t => (t.State == Starting || t.State == Running) && t.PoolTaskId != null)
                .Select(t => t.PoolTaskId!).ToListAsync(ct);
        }
        if (leaseIds.Count == 0) return false;
        var onPool = await ScriptJobPoolView.ReadAsync(pool, onPoolIds, ct);
        foreach (var leaseId in leaseIds)
        {
            try
            {
                await FollowAndDispatchAsync(leaseId, onPool, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // One lease's trouble (its pool node unreachable, say) must not stall every other lease's jobs.
                logger.LogError(e, "Following the jobs of lease {Lease} failed; the next pass tries again", leaseId);
            }
        }
        return true;
    }

    /// <summary>
    /// One lease: the GPUs of tasks that succeeded on the pool go to the next in line first (a success never runs again, so
    /// the line's order is kept), then the ended tasks' bookkeeping; what that frees besides (a failure, a retry, a lost
    /// task) is dispatched after it.
    /// </summary>
    private async Task FollowAndDispatchAsync(Guid leaseId, IReadOnlyDictionary<string, PoolTaskStatus> onPool, CancellationToken ct)
    {
        var open = await ReadOpenAsync(leaseId, ct);
        var succeeded = open?.Tasks.Where(t => t.PoolTaskId is { } id && onPool.GetValueOrDefault(id) is { State: PoolTaskState.Succeeded })
            .Select(t => t.PoolTaskId!).ToHashSet(StringComparer.Ordinal);
        await dispatcher.DispatchAsync(leaseId, ct, succeeded, open?.Lease);
        if (open is null) return;
        await FollowJobsAsync(open, onPool, ct);
        // Anything else that ended or left the pool frees GPUs only once recorded: start what fits now.
        if (open.Tasks.Any(t => t.PoolTaskId is not { } id || onPool.GetValueOrDefault(id) is not { } s
                || (s.IsFinal && s.State != PoolTaskState.Succeeded)))
            await dispatcher.DispatchAsync(leaseId, ct, readLease: open.Lease);
    }

    /// <summary>
    /// Follows one lease's open jobs (the supervisor's wake-up after a launch or cancel may call it alone). One read gives the
    /// lease's jobs beyond the queue and its tasks on the pool; a job whose tasks all run quietly (same state and GPUs on the
    /// pool, no new output, samples not due) is left alone, so a pass after one task ended follows that task's job only.
    /// </summary>
    public async Task FollowLeaseAsync(Guid leaseId, IReadOnlyDictionary<string, PoolTaskStatus> onPool, CancellationToken ct)
    {
        if (await ReadOpenAsync(leaseId, ct) is not { } open) return;
        await FollowJobsAsync(open, onPool, ct);
    }

    /// <summary>A lease's jobs beyond the queue and its tasks on the pool, as one pass reads them; null when the lease is gone.</summary>
    private sealed record OpenJobs(Lease Lease, List<(Guid Id, ScriptJobState State, bool Cancelled)> Jobs, List<ScriptJobFollowedTask> Tasks);

    private async Task<OpenJobs?> ReadOpenAsync(Guid leaseId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ActAsSupport();
        var lease = await db.Leases.AsNoTracking().Include(l => l.Allocations).FirstOrDefaultAsync(l => l.Id == leaseId, ct);
        if (lease is null) return null;
        var stopping = Stop(lease, Now) is not null;
        // A job whose tasks all wait in line has nothing to follow (the dispatcher starts it): a long queue costs one query.
        List<(Guid Id, ScriptJobState State, bool Cancelled)> jobs = [.. (await db.ScriptJobs.Where(j => j.LeaseId == leaseId
                && Open.Contains(j.State) && (stopping || db.ScriptJobTasks.Any(t => t.JobId == j.Id && t.State != Queued)))
            .OrderByDescending(j => j.Priority).ThenBy(j => j.Sequence).ThenBy(j => j.Id)
            .Select(j => new { j.Id, j.State, Cancelled = j.CancelledByUserId != null }).ToListAsync(ct))
            .Select(j => (j.Id, j.State, j.Cancelled))];
        var tasks = jobs.Count == 0 ? [] : await db.ScriptJobTasks
            .Where(t => t.LeaseId == leaseId && (t.State == Starting || t.State == Running))
            .Select(t => new ScriptJobFollowedTask(t.Id, t.JobId, t.State, t.PoolTaskId, t.GpuIndexes, t.StdoutOffset, t.StderrOffset,
                t.MetricsThrough, t.StartedAt, t.Index, t.Attempt))
            .ToListAsync(ct);
        return new(lease, jobs, tasks);
    }

    /// <summary>Follows the lease's jobs.</summary>
    private async Task FollowJobsAsync(OpenJobs open, IReadOnlyDictionary<string, PoolTaskStatus> onPool, CancellationToken ct)
    {
        var now = Now;
        var stop = Stop(open.Lease, now);
        var metricsPoll = TimeSpan.FromSeconds(options.Value.MetricsPollSeconds);
        var byJob = open.Tasks.ToLookup(t => t.JobId);
        foreach (var (jobId, state, cancelled) in open.Jobs)
        {
            var mine = byJob[jobId].ToList();
            var quiet = stop is null && !cancelled && state == Running && mine.Count > 0
                && mine.All(t => t.Quiet(t.PoolTaskId is { } id ? onPool.GetValueOrDefault(id) : null, now, metricsPoll));
            if (!quiet) await follower.FollowAsync(jobId, open.Lease, stop, onPool, mine, ct);
        }
    }

    /// <summary>
    /// Whether the lease's end stops its jobs now, and the grace before SIGKILL: an Active lease inside its grace gets
    /// SIGTERM now and SIGKILL at its end; a lease that is over (ended, released early, cancelled, failed) stops them at once.
    /// </summary>
    public LeaseStop? Stop(Lease lease, DateTime now)
    {
        var o = options.Value;
        if (lease.State is LeaseState.PendingApproval or LeaseState.Scheduled or LeaseState.Provisioning) return null;
        if (lease.State == LeaseState.Active)
            return now < lease.End.AddMinutes(-o.LeaseEndGraceMinutes) ? null : new LeaseStop(Positive(lease.End - now));
        return new LeaseStop(lease.End > now ? TimeSpan.FromSeconds(o.CancelGraceSeconds) : TimeSpan.Zero);
    }

    private static TimeSpan Positive(TimeSpan t) => t > TimeSpan.Zero ? t : TimeSpan.Zero;
}

/// <summary>The lease's end stops its jobs: running tasks get SIGTERM, then SIGKILL after <see cref="Grace"/>.</summary>
public sealed record LeaseStop(TimeSpan Grace);
