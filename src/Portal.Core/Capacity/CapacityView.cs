using Portal.Core.Catalog;

namespace Portal.Core.Capacity;

/// <summary>
/// A mutable in-memory view of a pool over a horizon of whole hours: nodes and the GPUs allocated
/// on each per hour. The planner reads it; <see cref="Commit"/> and <see cref="Release"/> change it.
/// Allocations reaching outside the horizon count only for the hours inside it.
/// Not thread-safe: one writer at a time, as the database transaction around placing guarantees.
/// </summary>
public sealed class CapacityView
{
    private readonly PlannerNode[] _nodes;
    private readonly int[] _capacity;
    private readonly OccupancyGrid _grid;
    private readonly Dictionary<string, int> _indexById;
    private readonly Dictionary<PlannerAllocation, int> _committed = new();
    private readonly Dictionary<CandidateKey, CandidateNodes> _candidates = new();
    private readonly PoolScarcity _pools;

    public CapacityView(IEnumerable<PlannerNode> nodes, DateTime horizonStart, int horizonHours)
    {
        if (!CapacityTime.IsWholeUtcHour(horizonStart))
            throw new ArgumentException("The horizon must start on a whole UTC hour.", nameof(horizonStart));
        if (horizonHours < 1) throw new ArgumentOutOfRangeException(nameof(horizonHours), "The horizon needs at least one hour.");
        HorizonStart = DateTime.SpecifyKind(horizonStart, DateTimeKind.Utc);
        HorizonHours = horizonHours;
        _nodes = nodes.ToArray();
        _indexById = new Dictionary<string, int>(_nodes.Length);
        for (var i = 0; i < _nodes.Length; i++)
        {
            if (_nodes[i].GpuCount < 1) throw new ArgumentException($"Node {_nodes[i].Id} has no GPUs.", nameof(nodes));
            if (!_indexById.TryAdd(_nodes[i].Id, i)) throw new ArgumentException($"Node {_nodes[i].Id} appears twice.", nameof(nodes));
        }
        _capacity = _nodes.Select(n => n.GpuCount).ToArray();
        _grid = new OccupancyGrid(_nodes.Length, horizonHours);
        _pools = new PoolScarcity(_nodes, horizonHours);
    }

    /// <summary>A view holding a snapshot's nodes and allocations (allocations are loaded as they are, even if overbooked).</summary>
    public static CapacityView FromSnapshot(IEnumerable<PlannerNode> nodes, IEnumerable<PlannerAllocation> allocations,
        DateTime horizonStart, int horizonHours)
    {
        var view = new CapacityView(nodes, horizonStart, horizonHours);
        foreach (var a in allocations)
        {
            view.Apply(a, +1, checkInvariant: false, bulk: true);
            // Every stored allocation belongs to a lease that named its SKU: demand restricted to that SKU.
            view._pools.AddRestricted([view._pools.PoolOf(view.IndexOf(a.NodeId))], a.Gpus);
        }
        view._grid.RebuildBlocks();
        return view;
    }

    public DateTime HorizonStart { get; }
    public int HorizonHours { get; }
    public DateTime HorizonEnd => HorizonStart.AddHours(HorizonHours);
    public IReadOnlyList<PlannerNode> Nodes => _nodes;

    public int IndexOf(string nodeId) =>
        _indexById.TryGetValue(nodeId, out var i) ? i : throw new ArgumentException($"Unknown node {nodeId}.", nameof(nodeId));

    /// <summary>GPUs allocated on node <paramref name="nodeIndex"/> during horizon hour <paramref name="hour"/>.</summary>
    public int UsedAt(int nodeIndex, int hour) => _grid.UsedAt(nodeIndex, hour);

    /// <summary>The most GPUs allocated on a node at any hour of [fromHour, toHour).</summary>
    public int MaxUsed(int nodeIndex, int fromHour, int toHour) => _grid.MaxUsed(nodeIndex, fromHour, toHour);

    /// <summary><see cref="MaxUsed"/> of every node over [fromHour, toHour), into <paramref name="max"/> (at least one int per node).</summary>
    public void MaxUsedByNode(int fromHour, int toHour, Span<int> max) => _grid.MaxUsedAll(fromHour, toHour, max);

    /// <summary>GPUs of node <paramref name="nodeIndex"/>.</summary>
    public int GpuCount(int nodeIndex) => _capacity[nodeIndex];

    /// <summary>Changes a node's state (e.g. to Maintenance); its allocations stay, it takes no new ones.</summary>
    public void SetState(string nodeId, NodeState state)
    {
        var i = IndexOf(nodeId);
        _nodes[i] = _nodes[i] with { State = state };
        _candidates.Clear();
        _pools.ReadyChanged(_nodes);
    }

    /// <summary>Indices of Ready nodes of a region and SKU (<see cref="PlacementRequest.AnySku"/> for all), in input order.</summary>
    public int[] ReadyNodes(string region, string sku) => Candidates(region, sku, null).Nodes;

    /// <summary>The Ready nodes a request may use: its region, its SKU and, when given, one of its allowed SKUs.</summary>
    public CandidateNodes Candidates(PlacementRequest request) =>
        Candidates(request.Region, request.Sku, request.AllowedSkus is { Count: > 0 } allowed ? allowed : null);

    private CandidateNodes Candidates(string region, string sku, IReadOnlySet<string>? allowed)
    {
        var key = new CandidateKey(region, sku, allowed);
        if (_candidates.TryGetValue(key, out var cached)) return cached;
        if (_candidates.Count >= 1024) _candidates.Clear(); // many distinct sets (new instances each time): stay bounded
        var nodes = new List<int>();
        var pools = new List<int>();
        for (var i = 0; i < _nodes.Length; i++)
        {
            var n = _nodes[i];
            if (n.State != NodeState.Ready || n.Region != region || (sku != PlacementRequest.AnySku && n.Sku != sku)
                || (allowed is not null && !allowed.Contains(n.Sku))) continue;
            nodes.Add(i);
            if (!pools.Contains(_pools.PoolOf(i))) pools.Add(_pools.PoolOf(i));
        }
        return _candidates[key] = new CandidateNodes(nodes.ToArray(), pools.ToArray());
    }

    /// <summary>The pool (one SKU in one region) of node <paramref name="nodeIndex"/>.</summary>
    public int PoolOf(int nodeIndex) => _pools.PoolOf(nodeIndex);

    /// <summary>How many pools (distinct region and SKU pairs) the view has; pool numbers run from 0.</summary>
    public int PoolCount => _pools.Count;

    /// <summary>
    /// How scarce a pool is at horizon hour <paramref name="hour"/> for a request that could go elsewhere: GPUs asked
    /// of it by requests restricted to few SKUs (one SKU, or a set: shared evenly) per GPU it has free then.
    /// 0 when no restricted request asked for it.
    /// </summary>
    public double Scarcity(int pool, int hour) => _pools.Of(pool, hour);

    /// <summary>Holds a placement's allocations. Throws, changing nothing, if any node would be overbooked.</summary>
    public IReadOnlyList<PlannerAllocation> Commit(Placement placement)
    {
        var allocations = (PlannerAllocation[])placement.ToAllocations();
        foreach (var a in allocations) CheckFits(a);
        foreach (var a in allocations) Apply(a, +1, checkInvariant: false);
        RecordDemand(placement.Request);
        return allocations;
    }

    // A request that names its SKUs (one, or a set) tells which pools are needed; an any-SKU request tells nothing.
    private void RecordDemand(PlacementRequest r)
    {
        if (r.Sku == PlacementRequest.AnySku && r.AllowedSkus is not { Count: > 0 }) return;
        var pools = Candidates(r).Pools;
        if (pools.Length > 0) _pools.AddRestricted(pools, r.Gpus);
    }

    /// <summary>Holds one allocation, e.g. one committed elsewhere. Throws if the node would be overbooked.</summary>
    public void Commit(PlannerAllocation allocation) => Apply(allocation, +1, checkInvariant: true);

    /// <summary>Gives back an allocation held in this view; throws if it is not held.</summary>
    public void Release(PlannerAllocation allocation)
    {
        if (!_committed.ContainsKey(allocation))
            throw new InvalidOperationException($"Allocation {allocation} is not held in this view.");
        Apply(allocation, -1, checkInvariant: false);
    }

    private void CheckFits(PlannerAllocation a)
    {
        var (i, from, to) = Locate(a);
        if (from < to && _grid.MaxUsed(i, from, to) + a.Gpus > _nodes[i].GpuCount)
            throw new InvalidOperationException($"Allocation {a} would overbook node {a.NodeId} ({_nodes[i].GpuCount} GPUs).");
    }

    private void Apply(PlannerAllocation a, int sign, bool checkInvariant, bool bulk = false)
    {
        if (a.Gpus < 1 || a.End <= a.Start) throw new ArgumentException($"Allocation {a} is empty or reversed.", nameof(a));
        if (checkInvariant) CheckFits(a);
        var (i, from, to) = Locate(a);
        if (from < to && bulk) _grid.AddHours(i, from, to, sign * a.Gpus);
        else if (from < to) _grid.Add(i, from, to, sign * a.Gpus);
        if (from < to) _pools.AddUse(i, from, to, sign * a.Gpus);
        var count = _committed.GetValueOrDefault(a) + sign;
        if (count == 0) _committed.Remove(a); else _committed[a] = count;
    }

    // Clips an allocation to the horizon; from >= to means it lies wholly outside.
    private (int Index, int From, int To) Locate(PlannerAllocation a)
    {
        if (!CapacityTime.IsWholeUtcHour(a.Start) || !CapacityTime.IsWholeUtcHour(a.End))
            throw new ArgumentException($"Allocation {a} must start and end on whole UTC hours.", nameof(a));
        var from = Math.Max(0, (int)Math.Clamp((a.Start - HorizonStart).Ticks / TimeSpan.TicksPerHour, int.MinValue, int.MaxValue));
        var to = Math.Min(HorizonHours, (int)Math.Clamp((a.End - HorizonStart).Ticks / TimeSpan.TicksPerHour, int.MinValue, int.MaxValue));
        return (IndexOf(a.NodeId), from, to);
    }
}
