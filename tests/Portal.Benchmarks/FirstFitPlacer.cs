using Portal.Core.Capacity;

namespace Portal.Benchmarks;

/// <summary>
/// The naive baseline: the first Ready node in list order, of an allowed type, with enough GPUs free over the
/// window. A request larger than every allowed node is spread over nodes in list order, taking what each has free.
/// </summary>
internal static class FirstFitPlacer
{
    public static PlanResult Place(CapacityView view, PlacementRequest r)
    {
        var candidates = view.Candidates(r).Nodes;
        var from = CapacityTime.HourIndex(view.HorizonStart, r.Start);
        var to = CapacityTime.HourIndex(view.HorizonStart, r.End);
        var largest = 0;
        foreach (var i in candidates) largest = Math.Max(largest, view.GpuCount(i));
        var spread = r.Gpus > largest;
        var parts = new List<NodeGpus>();
        var remaining = r.Gpus;
        foreach (var i in candidates)
        {
            var free = view.GpuCount(i) - view.MaxUsed(i, from, to);
            if (!spread && free >= r.Gpus) return new Placement(r, [new(view.Nodes[i].Id, r.Gpus)]);
            if (spread && free > 0)
            {
                var take = Math.Min(free, remaining);
                parts.Add(new(view.Nodes[i].Id, take));
                remaining -= take;
                if (remaining == 0) return new Placement(r, parts);
            }
        }
        return new DoesNotFit("First fit found no node with enough free GPUs.", [], []);
    }
}
