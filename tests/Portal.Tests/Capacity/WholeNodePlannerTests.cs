using Portal.Core.Capacity;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

/// <summary>The planner in a region whose pool reserves whole nodes only (Slurm 22.05): whole free nodes or nothing.</summary>
public class WholeNodePlannerTests
{
    private readonly CapacityPlanner _planner = new();

    private static PlacementRequest Whole(int gpus, int fromHour, int toHour) => Request(gpus, fromHour, toHour) with { WholeNodes = true };

    [Fact]
    public void A_gpu_count_that_is_not_whole_nodes_is_refused_with_the_node_size()
    {
        var view = View(Node("a"), Node("b"));

        var refused = Assert.IsType<InvalidRequest>(_planner.Plan(view, Whole(4, 0, 2)));

        Assert.Equal("This region leases whole nodes: choose 8, 16, 24 … GPUs.", refused.Message);
        Assert.IsType<Placement>(_planner.Plan(view, Request(4, 0, 2))); // elsewhere 4 GPUs fit on one node
    }

    [Fact]
    public void A_node_with_any_gpu_taken_during_the_window_is_never_used()
    {
        var view = View(Node("a"), Node("b"), Node("c"));
        view.Commit(Alloc("a", 1, 5, 6)); // a sliver of the window
        view.Commit(Alloc("c", 8, 0, 1)); // before the window: c is free for it

        var placed = Assert.IsType<Placement>(_planner.Plan(view, Whole(16, 2, 8)));

        Assert.Equal(["b", "c"], placed.Nodes.Select(n => n.NodeId).Order());
        Assert.All(placed.Nodes, n => Assert.Equal(8, n.Gpus));
        var none = Assert.IsType<DoesNotFit>(_planner.Plan(view, Whole(24, 2, 8)));
        Assert.Contains("whole free nodes", none.Reason);
        Assert.NotEmpty(none.LaterWindows); // after the sliver on a, three whole nodes are free again
        Assert.All(none.LaterWindows, w => Assert.True(w.Start >= H(6)));
    }
}
