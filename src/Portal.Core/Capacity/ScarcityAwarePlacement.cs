namespace Portal.Core.Capacity;

/// <summary>
/// Placement for a request that several SKUs can serve (any SKU, or a set). After the scarcity-aware scoring of
/// the FGD paper (Weng et al., USENIX ATC '23): a flexible request should not take what only constrained requests
/// can use. So it goes to the least scarce SKU that can hold it (<see cref="CapacityView.Scarcity"/>: GPUs that
/// requests restricted to few SKUs asked of it, per GPU it has free), best fit within that SKU; equally scarce SKUs
/// (e.g. none ever asked for) are one choice, so with no restricted demand this is plain best fit over all candidates.
/// </summary>
internal static class ScarcityAwarePlacement
{
    /// <summary>GPUs per node (node indices into the view); null when it does not fit.</summary>
    public static List<(int Node, int Gpus)>? TryPlace(CapacityView view, CandidateNodes candidates, int gpus, int from, int to)
    {
        var nodes = candidates.Nodes;
        var maxSize = 0;
        foreach (var i in nodes) maxSize = Math.Max(maxSize, view.GpuCount(i));
        if (gpus > maxSize) return AcrossNodes(view, candidates, gpus, from, to);
        // Scarcity at the window's first hour: requests arrive in time order, so it is the fullest one that matters.
        Span<double> scarcity = view.PoolCount <= 128 ? stackalloc double[view.PoolCount] : new double[view.PoolCount];
        var leastScarcity = double.MaxValue;
        foreach (var p in candidates.Pools) leastScarcity = Math.Min(leastScarcity, scarcity[p] = view.Scarcity(p, from));

        using var use = new WindowUse(view, nodes.Length, from, to);
        var best = -1;
        var bestScarcity = double.MaxValue;
        var bestFree = int.MaxValue;
        foreach (var i in nodes)
        {
            var size = view.GpuCount(i);
            if (size - view.UsedAt(i, from) < gpus) continue; // cheap reject on the first hour
            var s = scarcity[view.PoolOf(i)];
            if (s > bestScarcity) continue;
            var free = size - use.MaxUsed(i);
            if (free < gpus || (s == bestScarcity && free >= bestFree)) continue;
            best = i;
            bestScarcity = s;
            bestFree = free;
            if (free == gpus && s == leastScarcity) break; // a perfect fit on the least scarce SKU cannot be beaten
        }
        return best < 0 ? null : [(best, gpus)];
    }

    // Larger than any node: whole nodes plus best fit, on one SKU at a time from the least scarce; a mix of SKUs
    // only when no single SKU can hold it.
    private static List<(int Node, int Gpus)>? AcrossNodes(CapacityView view, CandidateNodes candidates, int gpus, int from, int to)
    {
        var pools = candidates.Pools.OrderBy(p => view.Scarcity(p, from)).ToArray();
        foreach (var pool in pools)
        {
            var ofPool = Array.FindAll(candidates.Nodes, i => view.PoolOf(i) == pool);
            if (CapacityPlanner.TryPlace(view, ofPool, gpus, from, to) is { } placed) return placed;
        }
        return CapacityPlanner.TryPlace(view, candidates.Nodes, gpus, from, to);
    }
}
