using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// The pool's view a sweep pass works from: the tasks the portal has on the pool, running or ended, asked for by id
/// (<see cref="IGpuPoolDriver.GetTasksAsync"/>: one call on the simulator, however many ended since the last pass). A task
/// missing from it is one the pool lost. Not the pool's whole list: a pool keeps ended tasks until the portal forgets them at
/// the end of log retention, so that list grows with every task run (a thousand jobs made every pass read a thousand).
/// </summary>
public static class ScriptJobPoolView
{
    /// <param name="onPool">Pool ids of the tasks the portal has Starting or Running.</param>
    public static async Task<Dictionary<string, PoolTaskStatus>> ReadAsync(IGpuPoolDriver pool, IReadOnlyCollection<string> onPool,
        CancellationToken ct)
    {
        if (onPool.Count == 0) return [];
        var view = new Dictionary<string, PoolTaskStatus>(StringComparer.Ordinal);
        foreach (var status in await pool.GetTasksAsync(onPool, ct)) view.TryAdd(status.TaskId, status);
        return view;
    }
}
