using Portal.Core.Capacity;

namespace Portal.Benchmarks;

/// <summary>
/// Independent of the planner's bookkeeping: recounts GPUs per node per hour straight from the
/// committed allocations. Reports node-hours over capacity (must be 0) and the time-averaged GPUs
/// left free on partly used nodes (fragmentation: free, but no whole-node request can use them).
/// </summary>
internal static class OccupancyCheck
{
    public static (long OverbookedNodeHours, double FragmentedGpusAverage) Run(
        IReadOnlyList<PlannerNode> nodes, IEnumerable<PlannerAllocation> committed, DateTime origin, int hours)
    {
        var index = new Dictionary<string, int>();
        for (var i = 0; i < nodes.Count; i++) index[nodes[i].Id] = i;
        var used = new int[nodes.Count][];
        for (var i = 0; i < used.Length; i++) used[i] = new int[hours];
        foreach (var a in committed)
        {
            var row = used[index[a.NodeId]];
            for (var t = a.Start; t < a.End; t = t.AddHours(1)) row[(int)((t - origin).Ticks / TimeSpan.TicksPerHour)] += a.Gpus;
        }

        long overbooked = 0, fragmented = 0;
        for (var n = 0; n < nodes.Count; n++)
        {
            var capacity = nodes[n].GpuCount;
            foreach (var u in used[n])
            {
                if (u > capacity) overbooked++;
                else if (u > 0 && u < capacity) fragmented += capacity - u;
            }
        }
        return (overbooked, (double)fragmented / hours);
    }
}
