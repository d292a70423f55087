using System.Runtime.CompilerServices;

namespace Portal.Core.Capacity;

/// <summary>
/// The Ready nodes a request may use, in the view's node order, and the pools they belong to
/// (a pool = one SKU in one region; see <see cref="CapacityView.PoolOf"/>), in order of first appearance.
/// </summary>
public sealed class CandidateNodes(int[] nodes, int[] pools)
{
    public int[] Nodes { get; } = nodes;
    public int[] Pools { get; } = pools;
    /// <summary>True when the nodes span several SKUs, so the planner has a choice of SKU to make.</summary>
    public bool SpansSkus => Pools.Length > 1;
}

/// <summary>
/// Cache key for candidates: region and SKU by value, the allowed-SKU set by reference (callers that repeat a set
/// reuse one instance; another instance with the same SKUs only costs a recomputation).
/// </summary>
internal readonly record struct CandidateKey(string Region, string Sku, IReadOnlySet<string>? Allowed)
{
    public bool Equals(CandidateKey other) =>
        Region == other.Region && Sku == other.Sku && ReferenceEquals(Allowed, other.Allowed);

    public override int GetHashCode() =>
        HashCode.Combine(Region, Sku, Allowed is null ? 0 : RuntimeHelpers.GetHashCode(Allowed));
}
