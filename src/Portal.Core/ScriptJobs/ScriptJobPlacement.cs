using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.Catalog;

namespace Portal.Core.ScriptJobs;

/// <summary>A pool reservation the lease holds on a node now: the allocation that holds it, and its GPUs.</summary>
public sealed record LeaseReservation(Guid Id, string NodeId, int Gpus);

/// <summary>A task of the lease that holds GPUs now (Starting or Running).</summary>
public sealed record RunningTask(Guid ReservationId, int Gpus);

/// <summary>A queued task; <see cref="AvoidNodeId"/> is the node its last attempt ran on (a retry goes elsewhere when it can).</summary>
public sealed record QueuedTask(Guid TaskId, int Index, string? AvoidNodeId = null);

/// <summary>A job with queued tasks, in the lease's line.</summary>
public sealed record QueuedJob(Guid JobId, int Priority, long Sequence, int GpusPerTask, IReadOnlyList<QueuedTask> Tasks);

/// <summary>A queued task that starts now, and the reservation it runs on.</summary>
public sealed record TaskPlacement(Guid JobId, Guid TaskId, LeaseReservation Reservation);

/// <summary>
/// The queue inside one lease, as pure logic. Jobs are served strictly in line (priority, higher first, then
/// submission order): when the head job's next task does not fit, nothing behind it starts, so a big job is
/// never starved by small ones slipping past. A task takes GPUs of one reservation (one node), the one that
/// fits it most tightly, so larger holes stay for larger tasks. Only the lease's own reservations are offered,
/// and a reservation never gives out more GPUs than it holds.
/// </summary>
public static class ScriptJobPlacement
{
    /// <summary>The reservations the lease's tasks may use now: reserved on the pool and not yet due back.</summary>
    public static List<LeaseReservation> LiveReservations(Lease lease, DateTime now) =>
        lease.Allocations
            .Where(a => a.ReservedAt != null && a.PoolReleasedAt == null && a.Status != AllocationStatus.Released
                        && !LifecyclePool.NeedsRelease(a, lease.State, lease.Allocations, now))
            .Select(a => new LeaseReservation(a.Id, a.NodeId, a.Gpus))
            .OrderBy(r => r.NodeId, StringComparer.Ordinal).ThenBy(r => r.Id)
            .ToList();

    /// <summary>The line: priority first (higher first), then submission order, then id.</summary>
    public static IEnumerable<QueuedJob> InLine(IEnumerable<QueuedJob> jobs) =>
        jobs.OrderByDescending(j => j.Priority).ThenBy(j => j.Sequence).ThenBy(j => j.JobId);

    /// <summary>Free GPUs per reservation: what it holds minus what its running tasks use (never below zero).</summary>
    public static Dictionary<Guid, int> Free(IReadOnlyList<LeaseReservation> reservations, IEnumerable<RunningTask> running)
    {
        var free = reservations.ToDictionary(r => r.Id, r => r.Gpus);
        foreach (var t in running)
            if (free.TryGetValue(t.ReservationId, out var f)) free[t.ReservationId] = Math.Max(0, f - t.Gpus);
        return free;
    }

    /// <summary>Which queued tasks start now, and where; in line order.</summary>
    public static List<TaskPlacement> Place(IReadOnlyList<LeaseReservation> reservations, IEnumerable<RunningTask> running,
        IEnumerable<QueuedJob> queued)
    {
        var free = Free(reservations, running);
        var placed = new List<TaskPlacement>();
        foreach (var job in InLine(queued))
        {
            foreach (var task in job.Tasks.OrderBy(t => t.Index))
            {
                if (BestFit(reservations, free, job.GpusPerTask, task.AvoidNodeId) is not { } r) return placed; // strict line
                free[r.Id] -= job.GpusPerTask;
                placed.Add(new TaskPlacement(job.JobId, task.TaskId, r));
            }
        }
        return placed;
    }

    /// <summary>Why each job in line waits now (for the jobs that wait; a job whose tasks all start now is left out).</summary>
    public static Dictionary<Guid, JobWait> Waits(IReadOnlyList<LeaseReservation> reservations, IEnumerable<RunningTask> running,
        IEnumerable<QueuedJob> queued)
    {
        var line = InLine(queued).ToList();
        var free = Free(reservations, running);
        var totalFree = free.Values.Sum();
        var largest = free.Values.DefaultIfEmpty(0).Max();
        var waits = new Dictionary<Guid, JobWait>();
        for (var i = 0; i < line.Count; i++)
        {
            var job = line[i];
            waits[job.JobId] = new JobWait(i + 1, job.GpusPerTask, totalFree, WaitText(job.GpusPerTask, totalFree, largest, i + 1));
        }
        return waits;
    }

    /// <summary>"waiting for 4 GPUs; 2 free in this lease; 3rd in line".</summary>
    public static string WaitText(int needed, int free, int largestOnOneNode, int position)
    {
        var text = $"waiting for {Gpus(needed)}; {free} free in this lease";
        // Enough GPUs free in all, but not together on one node: say why the task still waits.
        if (free >= needed && largestOnOneNode < needed) text += $", at most {largestOnOneNode} on one node";
        return $"{text}; {Ordinal(position)} in line";
    }

    /// <summary>The wait of every job of a lease that has not started yet.</summary>
    public static string WaitForStart(DateTime start) => $"waiting for the lease to start at {start:yyyy-MM-dd HH:mm} UTC";

    /// <summary>1st 2nd 3rd 4th ... 11th 12th 13th ... 21st 22nd 23rd ... 111th.</summary>
    public static string Ordinal(int n)
    {
        var suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return $"{n}{suffix}";
    }

    private static string Gpus(int n) => Counted.Gpus(n);

    // The tightest reservation that fits, away from the node to avoid when another one fits.
    private static LeaseReservation? BestFit(IReadOnlyList<LeaseReservation> reservations, Dictionary<Guid, int> free, int gpus,
        string? avoidNodeId)
    {
        var fitting = reservations.Where(r => free[r.Id] >= gpus).ToList();
        if (fitting.Count == 0) return null;
        var preferred = fitting.Where(r => r.NodeId != avoidNodeId).ToList();
        return (preferred.Count > 0 ? preferred : fitting)
            .OrderBy(r => free[r.Id]).ThenBy(r => r.NodeId, StringComparer.Ordinal).ThenBy(r => r.Id).First();
    }
}
