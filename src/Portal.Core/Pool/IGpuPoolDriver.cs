using Portal.Core.Catalog;

namespace Portal.Core.Pool;

/// <summary>A node as the pool reports it.</summary>
public sealed record PoolNode(string Id, string Region, string Sku, int GpuCount, NodeState State, int ReservedGpus);

public enum ReservationOutcome { Reserved, InsufficientGpus, NodeNotReady, Conflict, Failed }

public sealed record ReservationResult(ReservationOutcome Outcome, string? Message = null)
{
    public bool Succeeded => Outcome == ReservationOutcome.Reserved;
}

/// <summary>
/// The one boundary between the portal and hardware. The simulator driver is the embedded default;
/// the Slurm driver is the real one; a region's driver is chosen by <c>Pool:Driver</c>. Every call is idempotent by allocation id, so jobs may retry.
/// </summary>
public interface IGpuPoolDriver
{
    Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default);

    /// <summary>Reserves <paramref name="gpus"/> GPUs on a node for an allocation; the same call again is the same reservation.</summary>
    Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default);

    /// <summary>Releases an allocation's GPUs; releasing what is not reserved is not an error.</summary>
    Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default);

    /// <summary>
    /// Reserves a lease's hold on a node for its window: what the lifecycle calls. A pool that needs only node,
    /// allocation and GPUs (the simulator) takes the short form; Slurm creates or grows the lease's reservation.
    /// Idempotent by lease and allocation id.
    /// </summary>
    Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct = default) =>
        ReserveAsync(hold.NodeId, hold.AllocationId, hold.Gpus, ct);

    /// <summary>
    /// Moves the end of a held reservation to <see cref="PoolHold.End"/> (an extension continues the allocation that
    /// holds it). The simulator's reservations have no end, so by default there is nothing to do. Idempotent.
    /// </summary>
    Task<ReservationResult> ExtendAsync(PoolHold hold, CancellationToken ct = default) =>
        Task.FromResult(new ReservationResult(ReservationOutcome.Reserved));

    /// <summary>
    /// Gives a lease's hold on a node back (Slurm: the node leaves the lease's reservation; the last one deletes it after
    /// cancelling its jobs).
    /// </summary>
    Task ReleaseAsync(PoolHold hold, CancellationToken ct = default) => ReleaseAsync(hold.NodeId, hold.AllocationId, ct);

    /// <summary>
    /// Sets a node's state on the pool, the source of truth for node states (Support's maintenance, drain or
    /// failure decisions go here; the sync job copies states back into the catalog). False when the pool has no such node.
    /// </summary>
    Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default);

    /// <summary>Starts a task on a reservation's GPUs; idempotent by <see cref="PoolTaskSpec.TaskId"/>.</summary>
    Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default);

    /// <summary>A task as the pool sees it now; null when the pool does not know it (never submitted, or forgotten).</summary>
    Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default);

    /// <summary>Every task the pool knows (running and ended), its own view: what runs where on which GPU indexes.</summary>
    Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default);

    /// <summary>
    /// The tasks still starting or running, the pool's own view of what holds GPUs now: what a watcher polls. A pool keeps
    /// ended tasks until the portal forgets them (its log retention, 30 days by default), so the full list only grows.
    /// </summary>
    async Task<IReadOnlyList<PoolTaskStatus>> ListOpenTasksAsync(CancellationToken ct = default) =>
        [.. (await ListTasksAsync(ct)).Where(t => !t.IsFinal)];

    /// <summary>
    /// The tasks with these ids as the pool sees them now, open or ended, each once; a task the pool does not know is left
    /// out. What a sweep pass reads before it decides: one call where the pool can answer it (the simulator), so a task's end
    /// costs no call of its own on the way to the next task's start. By default the open list, then each id not in it.
    /// </summary>
    async Task<IReadOnlyList<PoolTaskStatus>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken ct = default)
    {
        if (taskIds.Count == 0) return [];
        var wanted = taskIds.ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, PoolTaskStatus>(StringComparer.Ordinal);
        foreach (var t in await ListOpenTasksAsync(ct))
            if (wanted.Contains(t.TaskId)) found.TryAdd(t.TaskId, t);
        foreach (var id in wanted)
            if (!found.ContainsKey(id) && await GetTaskAsync(id, ct) is { } status) found[id] = status;
        return [.. found.Values];
    }

    /// <summary>
    /// Stops a task: SIGTERM to all its processes, SIGKILL after <paramref name="grace"/>; it ends Cancelled unless it
    /// ended first. Idempotent; false when the pool does not know the task.
    /// </summary>
    Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default);

    /// <summary>
    /// Deletes what the pool keeps of an ended task (its working folder, logs and samples) once the portal no longer needs
    /// them. Idempotent. True when the pool holds nothing of the task any more (deleted now, or not known); false while it
    /// still runs (nothing is deleted). By default there is nothing to delete (a pool that keeps nothing per task).
    /// </summary>
    Task<bool> ForgetTaskAsync(string taskId, CancellationToken ct = default) => Task.FromResult(true);

    /// <summary>Up to <paramref name="maxBytes"/> of a task's stdout or stderr from a byte offset. Null when the task is unknown.</summary>
    Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default);

    /// <summary>The task's GPU samples taken after <paramref name="after"/> (all when null), oldest first.</summary>
    Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default);

    /// <summary>
    /// Waits until a task changed state on the pool after change number <paramref name="after"/> (or for
    /// <paramref name="wait"/>), and returns the pool's change number. The supervisor waits on it between passes so the
    /// next queued job starts as soon as a task ends. A pool that cannot tell just waits and reports a change.
    /// </summary>
    async Task<long> WaitForTaskChangeAsync(long after, TimeSpan wait, CancellationToken ct = default)
    {
        await Task.Delay(wait, ct);
        return after + 1;
    }

    /// <summary>The OpenAI-compatible base URL (ending in <c>/v1/</c>) for a deployment's configured base URL.</summary>
    Uri ResolveModelBaseUrl(string deploymentBaseUrl);
}
