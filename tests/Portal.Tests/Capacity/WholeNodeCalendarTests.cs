using Portal.Core.Capacity;
using Portal.Core.Catalog;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

/// <summary>
/// The calendar of a region that leases whole nodes: a node counts, with all its GPUs, only in hours nothing is allocated on
/// it, and a day only with the nodes free all day, so every figure is a number of whole nodes a member could lease.
/// </summary>
public class WholeNodeCalendarTests
{
    private static readonly PlannerNode[] Nodes = [Node("a"), Node("b"), Node("c"), Node("down", state: NodeState.Failed)];

    [Fact]
    public void Two_nodes_each_busy_half_a_day_leave_one_node_free_all_day_not_two_nodes_worth_of_gpus()
    {
        PlannerAllocation[] allocations = [Alloc("a", 8, 0, 12), Alloc("b", 8, 12, 24)];

        var gpus = AvailabilityCalendar.Compute(Nodes, allocations, TestRegion, TestSku, T0, hours: 48);
        var whole = AvailabilityCalendar.Compute(Nodes, allocations, TestRegion, TestSku, T0, hours: 48, wholeNodes: true);

        Assert.Equal(16, gpus.DayMinFree[0]); // GPU counting: 16 free every hour, but no second node is free all day
        Assert.Equal([8, 24], whole.DayMinFree);
        Assert.Equal([16, 24], whole.DayMaxFree);
        Assert.Equal(16, whole.HourFree[0]);
        Assert.Equal(16, whole.HourFree[12]);
        Assert.Equal((true, 8, 24), (whole.WholeNodes, whole.NodeSize, whole.ReadyGpus));
        Assert.Equal("1 whole node × 8 GPUs", whole.Describe(whole.DayMinFree[0]));
        Assert.Equal("16 GPUs", gpus.Describe(gpus.DayMinFree[0]));
    }

    [Fact]
    public void A_node_with_any_gpus_allocated_is_not_free_at_all_so_no_fragment_is_offered()
    {
        PlannerAllocation[] allocations = [Alloc("a", 2, 3, 5), Alloc("b", 4, 30, 31), Alloc("down", 8, 0, 48)];

        var whole = AvailabilityCalendar.Compute(Nodes, allocations, TestRegion, TestSku, T0, hours: 48, wholeNodes: true);

        Assert.Equal([24, 24, 24, 16, 16, 24], whole.HourFree.Take(6));
        Assert.Equal(16, whole.HourFree[30]);
        Assert.Equal([16, 16], whole.DayMinFree);
        Assert.All(whole.HourFree, f => Assert.Equal(0, f % 8));
    }

    [Fact]
    public void Nodes_of_different_sizes_count_their_own_gpus_and_are_described_in_gpus()
    {
        PlannerNode[] mixed = [Node("a"), Node("small", gpus: 4)];

        var whole = AvailabilityCalendar.Compute(mixed, [Alloc("a", 1, 0, 1)], TestRegion, TestSku, T0, hours: 24, wholeNodes: true);

        Assert.Equal([4, 12], whole.HourFree.Take(2));
        Assert.Equal(4, whole.DayMinFree[0]);
        Assert.Equal((0, "4 GPUs"), (whole.NodeSize, whole.Describe(4)));
    }
}
