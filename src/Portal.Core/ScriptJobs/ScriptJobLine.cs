using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;


namespace Portal.Core.ScriptJobs;

/// <summary>One lease's queue as the database has it now: its live reservations, the tasks holding GPUs, the jobs in line.</summary>
public sealed record ScriptJobLine(Lease Lease, IReadOnlyList<LeaseReservation> Reservations, IReadOnlyList<RunningTask> Running,
    IReadOnlyList<QueuedJob> Queued)
{
    /// <summary>
    /// Reads the line of a lease through <paramref name="db"/> (its tenant filter applies); null when the lease is not visible.
    /// <paramref name="headOnly"/>: only the jobs that could start now (the dispatcher's read): a task takes at least one
    /// GPU and the line is strict, so no more jobs than free GPUs, from the head; none when no GPU is free.
    /// <paramref name="endedOnPool"/>: pool task ids the pool's own list says ended, whose end is not recorded yet; their GPUs
    /// are free on the pool, so they are not counted as held (the next task starts before the ended one's bookkeeping).
    /// <paramref name="lease"/>: the lease as the caller just read it (with its allocations), not read again.
    /// </summary>
    public static async Task<ScriptJobLine?> LoadAsync(PortalDbContext db, Guid leaseId, DateTime now, CancellationToken ct,
        bool headOnly = false, IReadOnlySet<string>? endedOnPool = null, Lease? lease = null)
    {
        lease ??= await db.Leases.AsNoTracking().Include(l => l.Allocations).FirstOrDefaultAsync(l => l.Id == leaseId, ct);
        if (lease is null) return null;
        var running = (await db.ScriptJobTasks.AsNoTracking()
            .Where(t => t.LeaseId == leaseId && (t.State == ScriptJobState.Starting || t.State == ScriptJobState.Running) && t.ReservationId != null)
            .Select(t => new { t.ReservationId, t.Gpus, t.PoolTaskId }).ToListAsync(ct))
            .Where(t => endedOnPool is null || t.PoolTaskId is null || !endedOnPool.Contains(t.PoolTaskId))
            .Select(t => new RunningTask(t.ReservationId!.Value, t.Gpus)).ToList();
        var reservations = ScriptJobPlacement.LiveReservations(lease, now);
        if (headOnly) return new(lease, reservations, running, await HeadAsync(db, leaseId, ScriptJobPlacement.Free(reservations, running).Values.Sum(), ct));
        var queuedTasks = await db.ScriptJobTasks.AsNoTracking()
            .Where(t => t.LeaseId == leaseId && t.State == ScriptJobState.Queued)
            .Select(t => new { t.JobId, t.Id, t.Index, t.NodeId }).ToListAsync(ct);
        var jobIds = queuedTasks.Select(t => t.JobId).Distinct().ToList();
        var jobs = await db.ScriptJobs.AsNoTracking()
            .Where(j => j.LeaseId == leaseId && jobIds.Contains(j.Id) && OpenStates.Contains(j.State) && j.CancelledByUserId == null)
            .Select(j => new { j.Id, j.Priority, j.Sequence, j.GpusPerTask }).ToListAsync(ct);
        var byJob = queuedTasks.ToLookup(t => t.JobId);
        var queued = jobs.Select(j => new QueuedJob(j.Id, j.Priority, j.Sequence, j.GpusPerTask,
            byJob[j.Id].Select(t => new QueuedTask(t.Id, t.Index, t.NodeId)).ToList())).ToList();
        return new ScriptJobLine(lease, reservations, running, queued);
    }

    /// <summary>The first <paramref name="count"/> jobs in line with queued tasks, and those tasks.</summary>
    private static async Task<List<QueuedJob>> HeadAsync(PortalDbContext db, Guid leaseId, int count, CancellationToken ct)
    {
        if (count <= 0) return [];
        var jobs = await db.ScriptJobs.AsNoTracking()
            .Where(j => j.LeaseId == leaseId && OpenStates.Contains(j.State) && j.CancelledByUserId == null
                        && db.ScriptJobTasks.Any(t => t.JobId == j.Id && t.State == ScriptJobState.Queued))
            .OrderByDescending(j => j.Priority).ThenBy(j => j.Sequence).ThenBy(j => j.Id).Take(count)
            .Select(j => new { j.Id, j.Priority, j.Sequence, j.GpusPerTask }).ToListAsync(ct);
        var jobIds = jobs.Select(j => j.Id).ToList();
        var byJob = (await db.ScriptJobTasks.AsNoTracking()
            .Where(t => t.LeaseId == leaseId && t.State == ScriptJobState.Queued && jobIds.Contains(t.JobId))
            .Select(t => new { t.JobId, t.Id, t.Index, t.NodeId }).ToListAsync(ct)).ToLookup(t => t.JobId);
        return [.. jobs.Select(j => new QueuedJob(j.Id, j.Priority, j.Sequence, j.GpusPerTask,
            byJob[j.Id].Select(t => new QueuedTask(t.Id, t.Index, t.NodeId)).ToList()))];
    }

    private static readonly ScriptJobState[] OpenStates = [ScriptJobState.Queued, ScriptJobState.Starting, ScriptJobState.Running];

    /// <summary>The lease has not started yet: its jobs wait for it.</summary>
    public bool LeaseNotStarted => Lease.State is LeaseState.PendingApproval or LeaseState.Scheduled or LeaseState.Provisioning;
}
