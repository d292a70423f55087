using System.Collections.Concurrent;
using Portal.Core.Catalog;
using Portal.Core.Pool;

namespace Portal.Tests.Pool;

/// <summary>
/// An in-memory pool for one region, standing in for a Slurm cluster: whole nodes, reservations by allocation (with the
/// hold the lifecycle passed), tasks that start Running. Records every call, so a test can tell which driver was asked.
/// </summary>
public sealed class FakeRegionDriver(string region, string sku, int nodes, int gpusPerNode = 8) : IGpuPoolDriver
{
    private readonly ConcurrentDictionary<string, NodeState> states =
        new(Enumerable.Range(1, nodes).Select(i => KeyValuePair.Create($"gpu{i:00}", NodeState.Ready)));
    private readonly ConcurrentDictionary<Guid, PoolHold> holds = new();
    private readonly ConcurrentDictionary<string, PoolTaskStatus> tasks = new();
    private readonly ConcurrentDictionary<string, PoolTaskSpec> specs = new();
    private static readonly byte[] Log = "hello from the cluster\n"u8.ToArray();
    private long changes;

    public string Region => region;
    public ConcurrentQueue<string> Calls { get; } = new();
    public IReadOnlyDictionary<Guid, PoolHold> Holds => holds;
    public IReadOnlyDictionary<string, PoolTaskStatus> Tasks => tasks;
    public IReadOnlyDictionary<string, PoolTaskSpec> Specs => specs;
    public IEnumerable<string> NodeIds => states.Keys.Order(StringComparer.Ordinal);

    /// <summary>Completes the next <see cref="WaitForTaskChangeAsync"/> when set (a task changed on this pool).</summary>
    public TaskCompletionSource Changed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void SetState(string nodeId, NodeState state) => states[nodeId] = state;

    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default)
    {
        Calls.Enqueue("list-nodes");
        return Task.FromResult<IReadOnlyList<PoolNode>>([.. states.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
            new PoolNode(s.Key, region, sku, gpusPerNode, s.Value, holds.Values.Where(h => h.NodeId == s.Key).Sum(h => h.Gpus)))]);
    }

    public Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) =>
        ReserveAsync(new PoolHold(Guid.Empty, allocationId, nodeId, gpus, default, default, ""), ct);

    public Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default)
    {
        Calls.Enqueue($"release {nodeId} {allocationId}");
        holds.TryRemove(allocationId, out _);
        return Task.CompletedTask;
    }

    public Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct = default)
    {
        Calls.Enqueue($"reserve {hold.NodeId} {hold.AllocationId}");
        if (!states.TryGetValue(hold.NodeId, out var state)) return Task.FromResult(new ReservationResult(ReservationOutcome.Failed, "no such node"));
        if (state != NodeState.Ready) return Task.FromResult(new ReservationResult(ReservationOutcome.NodeNotReady, "node not ready"));
        if (holds.Values.Any(h => h.NodeId == hold.NodeId && h.LeaseId != hold.LeaseId))
            return Task.FromResult(new ReservationResult(ReservationOutcome.InsufficientGpus, "node reserved for another lease"));
        holds[hold.AllocationId] = hold;
        return Task.FromResult(new ReservationResult(ReservationOutcome.Reserved));
    }

    public Task<ReservationResult> ExtendAsync(PoolHold hold, CancellationToken ct = default)
    {
        Calls.Enqueue($"extend {hold.NodeId} {hold.AllocationId} {hold.End:O}");
        return Task.FromResult(new ReservationResult(ReservationOutcome.Reserved));
    }

    public Task ReleaseAsync(PoolHold hold, CancellationToken ct = default) => ReleaseAsync(hold.NodeId, hold.AllocationId, ct);

    public Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default)
    {
        Calls.Enqueue($"state {nodeId} {state}");
        if (!states.ContainsKey(nodeId)) return Task.FromResult(false);
        states[nodeId] = state;
        return Task.FromResult(true);
    }

    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default)
    {
        Calls.Enqueue($"submit {spec.TaskId}");
        specs.TryAdd(spec.TaskId, spec);
        var task = tasks.GetOrAdd(spec.TaskId, _ => new PoolTaskStatus(spec.TaskId, spec.NodeId, spec.ReservationId, PoolTaskState.Running,
            [.. Enumerable.Range(0, spec.Gpus)], null, DateTime.UtcNow, null, null, Log.Length, 0));
        Interlocked.Increment(ref changes);
        return Task.FromResult(new PoolSubmitResult(PoolSubmitOutcome.Submitted, task));
    }

    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default)
    {
        Calls.Enqueue($"get {taskId}");
        return Task.FromResult(tasks.GetValueOrDefault(taskId));
    }

    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<PoolTaskStatus>>([.. tasks.Values]);

    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default)
    {
        Calls.Enqueue($"cancel {taskId}");
        if (!tasks.TryGetValue(taskId, out var t)) return Task.FromResult(false);
        tasks[taskId] = t with { State = PoolTaskState.Cancelled, EndedAt = DateTime.UtcNow };
        return Task.FromResult(true);
    }

    /// <summary>Stdout is one line; stderr is empty.</summary>
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default)
    {
        if (!tasks.TryGetValue(taskId, out var t)) return Task.FromResult<PoolLogChunk?>(null);
        var log = stream == PoolLogStream.Stdout ? Log : [];
        var data = log.Skip((int)Math.Min(offset, log.Length)).Take(maxBytes).ToArray();
        return Task.FromResult<PoolLogChunk?>(new PoolLogChunk(offset, data, t.IsFinal && offset + data.Length >= log.Length));
    }

    /// <summary>The task ends with this exit code, as a batch job that finished.</summary>
    public void Finish(string taskId, int exitCode)
    {
        tasks[taskId] = tasks[taskId] with
        {
            State = exitCode == 0 ? PoolTaskState.Succeeded : PoolTaskState.Failed, ExitCode = exitCode, EndedAt = DateTime.UtcNow,
        };
        RaiseChange();
    }

    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<PoolGpuSample>>(tasks.ContainsKey(taskId) ? [new PoolGpuSample(DateTime.UtcNow, 0, 50, 1000, 300)] : []);

    /// <summary>When set, waiting for a change fails with it (the cluster is away).</summary>
    public Exception? WaitFailure { get; init; }

    public async Task<long> WaitForTaskChangeAsync(long after, TimeSpan wait, CancellationToken ct = default)
    {
        if (WaitFailure is not null) throw WaitFailure;
        if (Interlocked.Read(ref changes) > after) return Interlocked.Read(ref changes);
        await Changed.Task.WaitAsync(wait, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        ct.ThrowIfCancellationRequested();
        return Interlocked.Read(ref changes);
    }

    public void RaiseChange()
    {
        Interlocked.Increment(ref changes);
        Changed.TrySetResult();
    }

    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => throw new InvalidOperationException("A cluster serves no models.");
}
