using GpuPool.Simulator.Faults;

namespace GpuPool.Simulator.Nodes;

/// <summary>A reservation; <see cref="GpuIndexes"/> are the node's GPUs it holds (the lowest free ones when it was made).</summary>
public sealed record ReservationView(string NodeId, string AllocationId, int Gpus, DateTime CreatedAtUtc, int[] GpuIndexes);

public sealed record NodeView(
    string Id, string Region, string Sku, int GpuCount, NodeState State,
    int ReservedGpus, int FreeGpus, ReservationView[] Reservations);

public enum ReserveStatus { Reserved, NodeNotFound, NodeNotReady, InsufficientGpus, GpusMismatch, InjectedFailure }

/// <summary>The result of a reserve call; Ready completes when the GPUs are provisioned.</summary>
public sealed record ReserveOutcome(ReserveStatus Status, ReservationView? Reservation = null, Task? Ready = null, string? Detail = null);

/// <summary>The nodes and their reservations. One lock guards all of it: the pool is small.</summary>
public sealed class NodePool
{
    sealed class Node(NodeOptions options)
    {
        public NodeOptions Options { get; } = options;
        public NodeState State { get; set; } = options.State;
        public Dictionary<string, (ReservationView View, Task Ready)> Reservations { get; } = [];
        public int ReservedGpus => Reservations.Values.Sum(r => r.View.Gpus);
    }

    readonly Lock _gate = new();
    readonly Dictionary<string, Node> _nodes;
    readonly FaultBook _faults;
    readonly TimeSpan _reservationDelay;
    readonly TimeProvider _time;
    readonly ReservationStore _store;

    /// <summary>Raised (outside the lock) when a node is set Failed: its tasks die with it.</summary>
    public event Action<string>? NodeFailed;

    /// <summary>Raised (outside the lock) when a reservation is released: its tasks are stopped.</summary>
    public event Action<string, string>? ReservationReleased;

    public NodePool(SimulatorOptions options, FaultBook faults, TimeProvider? time = null)
    {
        _nodes = options.Nodes.ToDictionary(n => n.Id, n => new Node(n), StringComparer.Ordinal);
        _faults = faults;
        _reservationDelay = options.ReservationDelay;
        _time = time ?? TimeProvider.System;
        _store = new ReservationStore(options.TaskRoot);
        var restored = ReservationStore.Restore(_store.Load(), options.Reservations, _nodes.ToDictionary(n => n.Key, n => n.Value.Options.GpuCount));
        foreach (var reservation in restored) _nodes[reservation.NodeId].Reservations[reservation.AllocationId] = (reservation, Task.CompletedTask);
        _store.Save(restored);
    }

    public NodeView[] List()
    {
        lock (_gate) return [.. _nodes.Values.Select(View)];
    }

    public NodeView? Find(string nodeId)
    {
        lock (_gate) return _nodes.TryGetValue(nodeId, out var node) ? View(node) : null;
    }

    public NodeView? SetState(string nodeId, NodeState state)
    {
        NodeView view;
        lock (_gate)
        {
            if (!_nodes.TryGetValue(nodeId, out var node)) return null;
            // Reservations survive a state change: the portal decides what a lost node means for a lease.
            node.State = state;
            view = View(node);
        }
        if (state == NodeState.Failed) NodeFailed?.Invoke(nodeId);
        return view;
    }

    /// <summary>Idempotent by allocation id: asking again with the same GPUs returns the same reservation.</summary>
    public ReserveOutcome Reserve(string nodeId, string allocationId, int gpus)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(nodeId, out var node)) return new(ReserveStatus.NodeNotFound);
            if (node.Reservations.TryGetValue(allocationId, out var existing))
                return existing.View.Gpus == gpus
                    ? new(ReserveStatus.Reserved, existing.View, existing.Ready)
                    : new(ReserveStatus.GpusMismatch, existing.View, Detail: $"allocation {allocationId} already holds {existing.View.Gpus} GPUs on {nodeId}");
            if (node.State != NodeState.Ready)
                return new(ReserveStatus.NodeNotReady, Detail: $"node {nodeId} is {node.State}");
            var free = node.Options.GpuCount - node.ReservedGpus;
            if (gpus > free)
                return new(ReserveStatus.InsufficientGpus, Detail: $"node {nodeId} has {free} free GPUs, {gpus} asked");
            if (_faults.TryTakeReservationFailure())
                return new(ReserveStatus.InjectedFailure, Detail: "injected reservation failure");

            var taken = node.Reservations.Values.SelectMany(r => r.View.GpuIndexes).ToHashSet();
            int[] indexes = [.. Enumerable.Range(0, node.Options.GpuCount).Where(i => !taken.Contains(i)).Take(gpus)];
            var view = new ReservationView(nodeId, allocationId, gpus, _time.GetUtcNow().UtcDateTime, indexes);
            // The GPUs count as taken from now; the caller waits for Ready (provisioning time).
            var ready = _reservationDelay > TimeSpan.Zero ? Task.Delay(_reservationDelay, _time) : Task.CompletedTask;
            node.Reservations[allocationId] = (view, ready);
            _store.Added(view);
            CompactNowAndThen();
            return new(ReserveStatus.Reserved, view, ready);
        }
    }

    /// <summary>Idempotent: releasing twice, or something never reserved, is fine. Null if no such node.</summary>
    public bool? Release(string nodeId, string allocationId)
    {
        bool removed;
        lock (_gate)
        {
            if (!_nodes.TryGetValue(nodeId, out var node)) return null;
            removed = node.Reservations.Remove(allocationId);
            if (removed)
            {
                _store.Removed(nodeId, allocationId);
                CompactNowAndThen();
            }
        }
        // Also when nothing was removed: a pool restarted since (reservations are in memory) may still run its tasks.
        ReservationReleased?.Invoke(nodeId, allocationId);
        return removed;
    }

    // Folds the journal into the file once it outgrows the reservations it describes: O(1) per change on average.
    void CompactNowAndThen()
    {
        // Every max(1,000, nodes) changes: a node holds a few reservations, so this is about once per rewrite's size.
        if (_store.JournalLines > Math.Max(1000, _nodes.Count)) SaveReservations();
    }

    void SaveReservations() => _store.Save(_nodes.Values.SelectMany(n => n.Reservations.Values.Select(r => r.View)));

    static NodeView View(Node node)
    {
        var reserved = node.ReservedGpus;
        return new NodeView(node.Options.Id, node.Options.Region, node.Options.Sku, node.Options.GpuCount, node.State,
            reserved, node.Options.GpuCount - reserved,
            [.. node.Reservations.Values.Select(r => r.View).OrderBy(r => r.AllocationId, StringComparer.Ordinal)]);
    }
}
