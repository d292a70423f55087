using Portal.Core.Capacity;

namespace Portal.Benchmarks;

/// <summary>
/// The naive baseline: the first Ready node in list order with enough GPUs free over the window.
/// A request larger than every node is spread over nodes in list order, taking what each has free.
/// </summary>
internal static class FirstFitPlacer
{
    public static PlanResult Place(CapacityView view, PlacementRequest r)
    {
        var candidates = view.ReadyNodes(r.Region, r.Sku);
        var from = CapacityTime.HourIndex(view.HorizonStart, r.Start);
        var to = CapacityTime.HourIndex(view.HorizonStart, r.End);
        var parts = new List<NodeGpus>();
        var remaining = r.Gpus;
        var spread = r.Gpus > candidates.Select(i => view.Nodes[i].GpuCount).DefaultIfEmpty(0).Max();
        foreach (var i in candidates)
        {
            var free = view.Nodes[i].GpuCount - view.MaxUsed(i, from, to);
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
