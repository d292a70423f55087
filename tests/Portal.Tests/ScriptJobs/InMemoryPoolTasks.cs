using System.Collections.Concurrent;
using Portal.Core.Pool;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The pool's task side in memory, for the supervisor's tests: it remembers the reservations made through the
/// driver, accepts a task only on a reservation it knows and only while that reservation has the GPUs free (as the
/// real pool does), is idempotent by task id, records every submit, and lets a test end tasks as it likes.
/// Tasks run at once; <see cref="HoldStarting"/> keeps new ones Starting.
/// </summary>
public sealed class InMemoryPoolTasks(Func<DateTime> now)
{
    private readonly object gate = new();
    private readonly Dictionary<Guid, (string Node, int Gpus)> reservations = [];
    private readonly Dictionary<string, PoolTaskStatus> tasks = [];

    public ConcurrentQueue<PoolTaskSpec> Submits { get; } = new();
    /// <summary>Every cancel asked for, with when the pool would SIGKILL (the time asked plus the grace).</summary>
    public ConcurrentQueue<(string TaskId, TimeSpan Grace, DateTime KillAt)> Cancels { get; } = new();
    public bool HoldStarting { get; set; }
    /// <summary>The next submit throws before it reaches the pool (the process dies, the network drops).</summary>
    public bool ThrowOnNextSubmit { get; set; }

    public void Reserve(string node, Guid allocationId, int gpus) { lock (gate) reservations[allocationId] = (node, gpus); }
    public void Release(Guid allocationId) { lock (gate) reservations.Remove(allocationId); }

    public PoolSubmitResult Submit(PoolTaskSpec spec)
    {
        if (ThrowOnNextSubmit)
        {
            ThrowOnNextSubmit = false;
            throw new HttpRequestException("The pool's control API is unreachable (test).");
        }
        Submits.Enqueue(spec);
        lock (gate)
        {
            if (tasks.TryGetValue(spec.TaskId, out var existing)) return new(PoolSubmitOutcome.Submitted, existing);
            if (!reservations.TryGetValue(spec.ReservationId, out var r) || r.Node != spec.NodeId)
                return new(PoolSubmitOutcome.NoReservation, Message: "no such reservation on that node");
            var used = Live().Where(t => t.ReservationId == spec.ReservationId).Sum(t => t.GpuIndexes.Length);
            if (used + spec.Gpus > r.Gpus) return new(PoolSubmitOutcome.InsufficientGpus, Message: $"{r.Gpus - used} GPUs free in the reservation");
            var busy = Live().Where(t => t.NodeId == spec.NodeId).SelectMany(t => t.GpuIndexes).ToHashSet();
            var indexes = Enumerable.Range(0, 64).Where(i => !busy.Contains(i)).Take(spec.Gpus).ToArray();
            var at = now();
            var task = new PoolTaskStatus(spec.TaskId, spec.NodeId, spec.ReservationId,
                HoldStarting ? PoolTaskState.Starting : PoolTaskState.Running, indexes, null, HoldStarting ? null : at, null, null, 0, 0);
            tasks[spec.TaskId] = task;
            return new(PoolSubmitOutcome.Submitted, task);
        }
    }

    /// <summary>The next task list the portal asks for fails (the pool is unreachable for a moment).</summary>
    public int FailLists;

    /// <summary>Every read of a task's output the portal made: "log {task id}" or "metrics {task id}".</summary>
    public ConcurrentQueue<string> OutputReads { get; } = new();

    public PoolTaskStatus? Get(string id) { lock (gate) return tasks.GetValueOrDefault(id); }

    public IReadOnlyList<PoolTaskStatus> List(bool openOnly = false)
    {
        Lists.Enqueue(openOnly ? "open" : "all");
        if (Interlocked.Decrement(ref FailLists) >= 0) throw new HttpRequestException("The pool's control API is unreachable (test).");
        lock (gate) return [.. tasks.Values.Where(t => !openOnly || !t.IsFinal)];
    }

    /// <summary>Every task list the portal asked for: "all" (ended tasks too), "open", or "statuses" (tasks by id, one call).</summary>
    public ConcurrentQueue<string> Lists { get; } = new();

    /// <summary>The tasks with these ids, open or ended, in one answer (as the simulator's POST /pool/tasks/statuses).</summary>
    public IReadOnlyList<PoolTaskStatus> Statuses(IReadOnlyCollection<string> ids)
    {
        Lists.Enqueue("statuses");
        if (Interlocked.Decrement(ref FailLists) >= 0) throw new HttpRequestException("The pool's control API is unreachable (test).");
        lock (gate) return [.. ids.Distinct().Select(id => tasks.GetValueOrDefault(id)).OfType<PoolTaskStatus>()];
    }

    /// <summary>Every task the portal asked for alone, by id (GetTaskAsync).</summary>
    public ConcurrentQueue<string> TaskReads { get; } = new();

    public bool Cancel(string id, TimeSpan grace)
    {
        Cancels.Enqueue((id, grace, now() + grace));
        lock (gate)
        {
            if (!tasks.ContainsKey(id)) return false;
            if (grace == TimeSpan.Zero) End(id, PoolTaskState.Cancelled, null);
            return true;
        }
    }

    /// <summary>Tasks running on the pool now, as the pool sees them.</summary>
    public List<PoolTaskStatus> Live() { lock (gate) return [.. tasks.Values.Where(t => !t.IsFinal)]; }

    public void StartAll()
    {
        lock (gate)
            foreach (var t in tasks.Values.Where(t => t.State == PoolTaskState.Starting).ToList())
                tasks[t.TaskId] = t with { State = PoolTaskState.Running, StartedAt = now() };
    }

    /// <summary>Ends a task as the pool would: exit code 0 is Succeeded, others Failed.</summary>
    public void Exit(string id, int code) => End(id, code == 0 ? PoolTaskState.Succeeded : PoolTaskState.Failed, code);

    public void End(string id, PoolTaskState state, int? code)
    {
        lock (gate)
        {
            if (tasks.TryGetValue(id, out var t) && !t.IsFinal) tasks[id] = t with { State = state, ExitCode = code, EndedAt = now(),
                StartedAt = t.StartedAt ?? now() };
        }
    }

    /// <summary>SIGKILL after the grace: every signalled task still running ends Cancelled.</summary>
    public void KillSignalled()
    {
        foreach (var (id, _, _) in Cancels) End(id, PoolTaskState.Cancelled, null);
    }

    public void FailNode(string node)
    {
        foreach (var t in Live().Where(t => t.NodeId == node)) End(t.TaskId, PoolTaskState.NodeFailed, null);
    }

    /// <summary>The pool says how many metric samples it took of the task (null, as by default: it does not say).</summary>
    public void Sampled(string id, int? samples) { lock (gate) tasks[id] = tasks[id] with { Samples = samples }; }

    /// <summary>The pool forgets a task (a restarted pool, a lost record).</summary>
    public void Forget(string id) { lock (gate) tasks.Remove(id); }
}

/// <summary>The real driver for nodes and reservations, with the tasks of <see cref="InMemoryPoolTasks"/>.</summary>
internal sealed class InMemoryTaskPoolDriver(IGpuPoolDriver inner, InMemoryPoolTasks pool) : IGpuPoolDriver
{
    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default) => inner.ListNodesAsync(ct);

    public async Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default)
    {
        var result = await inner.ReserveAsync(nodeId, allocationId, gpus, ct);
        if (result.Succeeded) pool.Reserve(nodeId, allocationId, gpus);
        return result;
    }

    public async Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default)
    {
        await inner.ReleaseAsync(nodeId, allocationId, ct);
        pool.Release(allocationId);
    }

    public Task<bool> SetNodeStateAsync(string nodeId, Portal.Core.Catalog.NodeState state, CancellationToken ct = default) =>
        inner.SetNodeStateAsync(nodeId, state, ct);
    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => inner.ResolveModelBaseUrl(deploymentBaseUrl);
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => Task.FromResult(pool.Submit(spec));
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default)
    {
        pool.TaskReads.Enqueue(taskId);
        return Task.FromResult(pool.Get(taskId));
    }

    public Task<IReadOnlyList<PoolTaskStatus>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken ct = default) =>
        Task.FromResult(pool.Statuses(taskIds));
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => Task.FromResult(pool.List());
    public Task<IReadOnlyList<PoolTaskStatus>> ListOpenTasksAsync(CancellationToken ct = default) => Task.FromResult(pool.List(openOnly: true));
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => Task.FromResult(pool.Cancel(taskId, grace));
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default)
    {
        pool.OutputReads.Enqueue("log " + taskId);
        return Task.FromResult<PoolLogChunk?>(pool.Get(taskId) is { } t ? new PoolLogChunk(offset, [], t.IsFinal) : null);
    }

    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default)
    {
        pool.OutputReads.Enqueue("metrics " + taskId);
        return Task.FromResult<IReadOnlyList<PoolGpuSample>>([]);
    }
}
