using Portal.Core.Capacity;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

public class CapacityViewTests
{
    [Fact]
    public void Max_used_over_any_window_matches_a_brute_force_count_for_bulk_and_incremental_loads()
    {
        var rng = new Random(11);
        const int hours = 300;
        PlannerNode[] nodes = [Node("a", gpus: 1000), Node("b", gpus: 1000)];
        var allocations = Enumerable.Range(0, 200).Select(_ =>
        {
            var from = rng.Next(-20, hours);
            return Alloc(rng.Next(2) == 0 ? "a" : "b", rng.Next(1, 5), from, from + rng.Next(1, 120));
        }).ToList();
        var bulk = CapacityView.FromSnapshot(nodes, allocations, T0, hours);
        var incremental = new CapacityView(nodes, T0, hours);
        foreach (var a in allocations) incremental.Commit(a);

        var used = new int[2, hours];
        foreach (var a in allocations)
            for (var h = Math.Max(0, (int)(a.Start - T0).TotalHours); h < Math.Min(hours, (int)(a.End - T0).TotalHours); h++)
                used[a.NodeId == "a" ? 0 : 1, h] += a.Gpus;

        for (var i = 0; i < 2000; i++)
        {
            var node = rng.Next(2);
            var from = rng.Next(0, hours);
            var to = rng.Next(from + 1, hours + 1);
            var expected = Enumerable.Range(from, to - from).Max(h => used[node, h]);
            Assert.Equal(expected, bulk.MaxUsed(node, from, to));
            Assert.Equal(expected, incremental.MaxUsed(node, from, to));
        }
    }

    [Fact]
    public void Allocations_outside_the_horizon_are_clipped_and_unknown_nodes_rejected()
    {
        var view = new CapacityView([Node("a")], T0, 10);
        view.Commit(Alloc("a", 3, -5, 2));
        view.Commit(Alloc("a", 8, 20, 30));

        Assert.Equal(3, view.UsedAt(0, 1));
        Assert.Equal(0, view.UsedAt(0, 2));
        Assert.Throws<ArgumentException>(() => view.Commit(Alloc("nope", 1, 0, 1)));
    }
}
