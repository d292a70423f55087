using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>GPU-seconds a task or job has used so far, for live "used by jobs" figures.</summary>
public static class ScriptJobUsage
{
    /// <summary>
    /// The task's finished attempts (<see cref="ScriptJobTask.GpuSeconds"/>, counted when each attempt ends) plus the
    /// running attempt up to <paramref name="now"/>.
    /// </summary>
    public static long GpuSecondsSoFar(ScriptJobTask task, DateTime now) =>
        task.GpuSeconds + (task.State == ScriptJobState.Running && task.StartedAt is { } s && now > s
            ? task.Gpus * (long)(now - s).TotalSeconds
            : 0);

    /// <summary>The job's GPU-seconds so far: its tasks' (the job's own figure is their sum once they end).</summary>
    public static long GpuSecondsSoFar(IEnumerable<ScriptJobTask> tasks, DateTime now) => tasks.Sum(t => GpuSecondsSoFar(t, now));

    /// <summary>
    /// What a lease's jobs have used so far, in GPU-seconds (the lease page's "used by jobs"), through <paramref name="db"/>'s tenant filter.
    /// </summary>
    public static async Task<long> LeaseGpuSecondsAsync(PortalDbContext db, Guid leaseId, DateTime now, CancellationToken ct = default)
    {
        var tasks = await db.ScriptJobTasks.AsNoTracking()
            .Where(t => t.LeaseId == leaseId && (t.GpuSeconds > 0 || t.State == ScriptJobState.Running))
            .Select(t => new ScriptJobTask { GpuSeconds = t.GpuSeconds, State = t.State, StartedAt = t.StartedAt, Gpus = t.Gpus })
            .ToListAsync(ct);
        return GpuSecondsSoFar(tasks, now);
    }
}
