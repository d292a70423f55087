using Portal.Core.Catalog;

namespace Portal.Core.Capacity;

/// <summary>A node as the planner sees it; the catalog's <see cref="Node"/> maps onto this.</summary>
public sealed record PlannerNode(string Id, string Region, string Sku, int GpuCount, NodeState State);

/// <summary>G GPUs on one node over the half-open window [Start, End) of whole UTC hours.</summary>
public sealed record PlannerAllocation(string NodeId, int Gpus, DateTime Start, DateTime End);

/// <summary>A window of whole UTC hours, half-open [Start, End).</summary>
public readonly record struct HourWindow(DateTime Start, DateTime End)
{
    public int Hours => (int)(End - Start).TotalHours;
}

/// <summary>
/// A request for <paramref name="Gpus"/> GPUs of one SKU in one region over [Start, End).
/// <see cref="AnySku"/> as the SKU accepts any SKU in the region (used to replay traces whose tasks
/// take any GPU type); <see cref="AllowedSkus"/> narrows it to a set. <see cref="NotBefore"/> bounds
/// how early a suggested window may start (e.g. "now"); it defaults to the start of the view's horizon.
/// </summary>
public sealed record PlacementRequest(string Region, string Sku, int Gpus, DateTime Start, DateTime End)
{
    public const string AnySku = "*";
    public DateTime? NotBefore { get; init; }
    /// <summary>
    /// SKUs the request accepts, any one of them (null or empty: <see cref="Sku"/> alone decides). A node must match
    /// both, so pass <see cref="AnySku"/> as the SKU with a set. Over several SKUs the planner prefers the SKU that
    /// requests restricted to it need least (see <see cref="CapacityView.Scarcity"/>) and keeps a placement on one
    /// SKU unless none can hold it alone.
    /// </summary>
    public IReadOnlySet<string>? AllowedSkus { get; init; }
    /// <summary>Whole free nodes only (a region whose pool reserves whole nodes, such as Slurm 22.05).</summary>
    public bool WholeNodes { get; init; }
    public HourWindow Window => new(Start, End);
}

/// <summary>A part of a placement: this many GPUs on this node.</summary>
public readonly record struct NodeGpus(string NodeId, int Gpus);

/// <summary>What the planner answers: <see cref="Placement"/>, <see cref="DoesNotFit"/> or <see cref="InvalidRequest"/>.</summary>
public abstract record PlanResult;

/// <summary>The request fits: GPUs per node. Commit it to a <see cref="CapacityView"/> to hold it.</summary>
public sealed record Placement(PlacementRequest Request, IReadOnlyList<NodeGpus> Nodes) : PlanResult
{
    public IEnumerable<PlannerAllocation> ToAllocations()
    {
        var allocations = new PlannerAllocation[Nodes.Count];
        for (var i = 0; i < allocations.Length; i++) allocations[i] = new(Nodes[i].NodeId, Nodes[i].Gpus, Request.Start, Request.End);
        return allocations;
    }
}

/// <summary>
/// The request does not fit: why, and the nearest windows of the same length that do fit
/// (nearest first on each side), so a UI can offer them.
/// </summary>
public sealed record DoesNotFit(string Reason, IReadOnlyList<HourWindow> EarlierWindows,
    IReadOnlyList<HourWindow> LaterWindows) : PlanResult;

/// <summary>The request itself is malformed (count, window, hours, UTC).</summary>
public sealed record InvalidRequest(IReadOnlyList<string> Errors) : PlanResult
{
    public string Message => string.Join(" ", Errors);
}
