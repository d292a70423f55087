using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// The pool's view a sweep pass works from: the tasks the pool still runs (one list call), and each task the portal has
/// on the pool that is not among them, asked for by id (it ended, or the pool lost it). Not the pool's whole list: a pool
/// keeps ended tasks until the portal forgets them at the end of log retention, so that list grows with every task run
/// (a thousand jobs made every pass read a thousand ended tasks).
/// </summary>
public static class ScriptJobPoolView
{
    /// <param name="onPool">Pool ids of the tasks the portal has Starting or Running.</param>
    public static async Task<Dictionary<string, PoolTaskStatus>> ReadAsync(IGpuPoolDriver pool, IReadOnlyCollection<string> onPool,
        CancellationToken ct)
    {
        if (onPool.Count == 0) return [];
        var view = (await pool.ListOpenTasksAsync(ct)).ToDictionary(t => t.TaskId);
        foreach (var id in onPool)
            if (!view.ContainsKey(id) && await pool.GetTaskAsync(id, ct) is { } status) view[id] = status;
        return view;
    }
}
