using Portal.Core.Capacity;
using Portal.Core.Catalog;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

/// <summary>
/// Random sequences of placements, releases and node state changes (seeded, so deterministic),
/// checked by an independent brute-force count of GPUs per node per hour, not by the view's own books.
/// </summary>
public class CapacityPropertyTests
{
    private const int HorizonHours = 96;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_placements_and_releases_never_overbook(int seed)
    {
        var rng = new Random(seed);
        int[] sizes = [1, 2, 4, 8];
        var nodes = Enumerable.Range(0, rng.Next(3, 12))
            .Select(i => Node($"n{i}", sizes[rng.Next(sizes.Length)], sku: rng.Next(4) == 0 ? "other" : TestSku)).ToList();
        var view = new CapacityView(nodes, T0, HorizonHours);
        var planner = new CapacityPlanner(new PlannerOptions(SuggestionSearchHours: 24));
        var held = new List<List<PlannerAllocation>>();
        int placed = 0, refused = 0;

        for (var step = 0; step < 1500; step++)
        {
            var roll = rng.Next(10);
            if (roll < 3 && held.Count > 0)
            {
                var i = rng.Next(held.Count);
                foreach (var a in held[i]) view.Release(a);
                held.RemoveAt(i);
            }
            else if (roll == 3)
            {
                var id = nodes[rng.Next(nodes.Count)].Id;
                var state = rng.Next(3) == 0 ? NodeState.Maintenance : NodeState.Ready;
                view.SetState(id, state);
                nodes[nodes.FindIndex(n => n.Id == id)] = nodes.First(n => n.Id == id) with { State = state };
            }
            else
            {
                var from = rng.Next(0, HorizonHours - 1);
                var request = Request(rng.Next(1, 21), from, rng.Next(from + 1, Math.Min(HorizonHours, from + 12) + 1));
                var occupancy = Occupancy(nodes, held);
                switch (planner.Plan(view, request))
                {
                    case Placement p:
                        AssertWellFormed(p, request, nodes);
                        held.Add(view.Commit(p).ToList());
                        placed++;
                        break;
                    case DoesNotFit d:
                        AssertNoSingleNodeCouldTakeIt(request, nodes, occupancy);
                        foreach (var w in d.EarlierWindows.Concat(d.LaterWindows))
                            Assert.IsType<Placement>(planner.Plan(view, request with { Start = w.Start, End = w.End }));
                        refused++;
                        break;
                    default:
                        Assert.Fail("A well-formed request was rejected.");
                        break;
                }
            }
            AssertNeverOverbooked(nodes, Occupancy(nodes, held));
        }
        Assert.True(placed > 100 && refused > 10, $"the run should exercise both outcomes (placed {placed}, refused {refused})");
    }

    // Brute force: GPUs per node per hour summed straight from the held allocations.
    private static int[,] Occupancy(List<PlannerNode> nodes, List<List<PlannerAllocation>> held)
    {
        var used = new int[nodes.Count, HorizonHours];
        foreach (var a in held.SelectMany(x => x))
        {
            var n = nodes.FindIndex(x => x.Id == a.NodeId);
            for (var t = a.Start; t < a.End; t = t.AddHours(1)) used[n, (int)(t - T0).TotalHours] += a.Gpus;
        }
        return used;
    }

    private static void AssertNeverOverbooked(List<PlannerNode> nodes, int[,] used)
    {
        for (var n = 0; n < nodes.Count; n++)
            for (var h = 0; h < HorizonHours; h++)
                Assert.True(used[n, h] <= nodes[n].GpuCount, $"node {nodes[n].Id} has {used[n, h]} GPUs allocated at hour {h}");
    }

    private static void AssertWellFormed(Placement p, PlacementRequest request, List<PlannerNode> nodes)
    {
        Assert.Equal(request.Gpus, p.Nodes.Sum(n => n.Gpus));
        Assert.Equal(p.Nodes.Count, p.Nodes.Select(n => n.NodeId).Distinct().Count());
        foreach (var part in p.Nodes)
        {
            var node = nodes.Single(n => n.Id == part.NodeId);
            Assert.Equal(NodeState.Ready, node.State);
            Assert.Equal(request.Sku, node.Sku);
            // Whole nodes for big requests: only the remainder may share a node.
            if (request.Gpus > node.GpuCount) Assert.True(part.Gpus == node.GpuCount || part == p.Nodes[^1]);
        }
    }

    // No false refusals: if one node could take it, the planner must not say it does not fit.
    private static void AssertNoSingleNodeCouldTakeIt(PlacementRequest request, List<PlannerNode> nodes, int[,] used)
    {
        var from = (int)(request.Start - T0).TotalHours;
        var to = (int)(request.End - T0).TotalHours;
        var eligible = nodes.Where(n => n.State == NodeState.Ready && n.Sku == request.Sku).ToList();
        if (eligible.Count == 0 || request.Gpus > eligible.Max(n => n.GpuCount)) return;
        foreach (var node in eligible)
        {
            var n = nodes.IndexOf(node);
            var free = node.GpuCount - Enumerable.Range(from, to - from).Max(h => used[n, h]);
            Assert.True(free < request.Gpus, $"node {node.Id} had {free} free for {request.Gpus} requested");
        }
    }
}
