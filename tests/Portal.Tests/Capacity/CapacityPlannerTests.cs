using Portal.Core.Capacity;
using Portal.Core.Catalog;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

public class CapacityPlannerTests
{
    private readonly CapacityPlanner _planner = new();

    private static Placement AssertPlaced(PlanResult r) => Assert.IsType<Placement>(r);

    private static Dictionary<string, int> ByNode(Placement p) => p.Nodes.ToDictionary(n => n.NodeId, n => n.Gpus);

    [Fact]
    public void Request_of_a_node_size_takes_a_whole_free_node()
    {
        var view = View(Node("a"), Node("b"));
        view.Commit(Alloc("a", 1, 0, 10));

        var p = AssertPlaced(_planner.Plan(view, Request(8, 2, 4)));

        Assert.Equal(new Dictionary<string, int> { ["b"] = 8 }, ByNode(p));
    }

    [Fact]
    public void Request_larger_than_a_node_uses_whole_nodes_plus_best_fit_for_the_rest()
    {
        var view = View(Node("a"), Node("b"), Node("c"), Node("d"));
        view.Commit(Alloc("c", 3, 0, 10)); // 5 free: takes the remaining 4 best
        view.Commit(Alloc("d", 6, 0, 10)); // 2 free: too few

        var p = AssertPlaced(_planner.Plan(view, Request(20, 1, 5)));

        Assert.Equal(new Dictionary<string, int> { ["a"] = 8, ["b"] = 8, ["c"] = 4 }, ByNode(p));
    }

    [Fact]
    public void Request_of_a_node_size_is_never_split_over_partly_used_nodes()
    {
        var view = View(Node("a"), Node("b"));
        view.Commit(Alloc("a", 4, 0, 10));
        view.Commit(Alloc("b", 4, 0, 10));

        var r = Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(8, 2, 4)));

        Assert.Contains("8 GPUs", r.Reason);
    }

    [Fact]
    public void Small_request_goes_to_the_fullest_node_that_still_fits()
    {
        var view = View(Node("empty"), Node("half"), Node("almost-full"), Node("full-later"));
        view.Commit(Alloc("half", 4, 0, 10));
        view.Commit(Alloc("almost-full", 7, 0, 10));
        view.Commit(Alloc("full-later", 8, 3, 4)); // free at the first hour, full later in the window

        var p = AssertPlaced(_planner.Plan(view, Request(2, 1, 5)));

        Assert.Equal(new Dictionary<string, int> { ["half"] = 2 }, ByNode(p));
    }

    [Theory]
    [InlineData(NodeState.Maintenance)]
    [InlineData(NodeState.Draining)]
    [InlineData(NodeState.Failed)]
    public void Nodes_that_are_not_Ready_are_skipped(NodeState state)
    {
        var view = View(Node("down", state: state), Node("up"));
        view.Commit(Alloc("up", 6, 0, 10));

        Assert.Equal(new Dictionary<string, int> { ["up"] = 2 }, ByNode(AssertPlaced(_planner.Plan(view, Request(2, 0, 1)))));
        Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(3, 0, 1)));
    }

    [Fact]
    public void Node_put_into_maintenance_takes_no_new_allocations()
    {
        var view = View(Node("a"));
        view.SetState("a", NodeState.Maintenance);

        var r = Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(1, 0, 1)));

        Assert.Contains("No Ready nodes", r.Reason);
    }

    [Fact]
    public void Other_regions_and_skus_are_not_used()
    {
        var view = View(Node("other-sku", sku: "a100"), Node("other-region", region: "eu-west-1"));

        Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(1, 0, 1)));
        Assert.IsType<Placement>(_planner.Plan(view, Request(1, 0, 1, sku: PlacementRequest.AnySku)));
    }

    [Fact]
    public void Back_to_back_windows_both_fit()
    {
        var view = View(Node("a"));

        view.Commit(AssertPlaced(_planner.Plan(view, Request(8, 10, 20))));
        var second = _planner.Plan(view, Request(8, 20, 30));

        view.Commit(AssertPlaced(second));
        Assert.IsType<Placement>(_planner.Plan(view, Request(8, 0, 10)));
    }

    [Fact]
    public void A_one_hour_overlap_does_not_fit()
    {
        var view = View(Node("a"));
        view.Commit(AssertPlaced(_planner.Plan(view, Request(8, 10, 20))));

        Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(8, 19, 29)));
        Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(1, 5, 11)));
    }

    [Fact]
    public void Does_not_fit_offers_the_nearest_windows_of_the_same_length_on_both_sides()
    {
        var view = View(Node("a"));
        view.Commit(Alloc("a", 8, 10, 14));

        var r = Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(8, 11, 13)));

        Assert.Equal([new(H(8), H(10)), new(H(7), H(9)), new(H(6), H(8))], r.EarlierWindows);
        Assert.Equal([new(H(14), H(16)), new(H(15), H(17)), new(H(16), H(18))], r.LaterWindows);
    }

    [Fact]
    public void Suggested_windows_respect_not_before_and_the_search_range()
    {
        var view = View(Node("a"));
        view.Commit(Alloc("a", 8, 10, 40));
        var planner = new CapacityPlanner(new PlannerOptions(MaxSuggestionsPerSide: 2, SuggestionSearchHours: 12));

        var r = Assert.IsType<DoesNotFit>(planner.Plan(view, Request(8, 20, 22) with { NotBefore = H(9) }));

        Assert.Empty(r.EarlierWindows); // [8,10) would fit but starts before NotBefore; [9,11) overlaps
        Assert.Empty(r.LaterWindows);   // the first free window [40,42) is 20 hours away, beyond 12
    }

    [Fact]
    public void Released_capacity_can_be_placed_again()
    {
        var view = View(Node("a"));
        var held = view.Commit(AssertPlaced(_planner.Plan(view, Request(8, 0, 5))));
        Assert.IsType<DoesNotFit>(_planner.Plan(view, Request(1, 2, 3)));

        foreach (var a in held) view.Release(a);

        Assert.IsType<Placement>(_planner.Plan(view, Request(8, 0, 5)));
        Assert.Throws<InvalidOperationException>(() => view.Release(held[0]));
    }

    [Fact]
    public void Commit_refuses_to_overbook_and_changes_nothing()
    {
        var view = View(Node("a"), Node("b"));
        view.Commit(Alloc("b", 7, 0, 10));
        var stale = new Placement(Request(2, 0, 2), [new("a", 2), new("b", 2)]);

        Assert.Throws<InvalidOperationException>(() => view.Commit(stale));

        Assert.Equal(0, view.MaxUsed(view.IndexOf("a"), 0, 10));
    }

    [Fact]
    public void Snapshot_overload_plans_without_changing_the_snapshot()
    {
        PlannerNode[] nodes = [Node("a", gpus: 4)];
        PlannerAllocation[] allocations = [Alloc("a", 3, 0, 5)];

        var r = _planner.Plan(nodes, allocations, Request(1, 0, 5), T0, 24);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, ByNode(AssertPlaced(r)));
        Assert.IsType<DoesNotFit>(_planner.Plan(nodes, allocations, Request(2, 0, 5), T0, 24));
    }

    [Fact]
    public void Invalid_requests_say_what_is_wrong()
    {
        var view = View(Node("a"));

        Assert.Contains("at least 1", Invalid(view, Request(0, 0, 1)));
        Assert.Contains("must be after start", Invalid(view, Request(1, 5, 5)));
        Assert.Contains("whole hour", Invalid(view, new(TestRegion, TestSku, 1, H(1).AddMinutes(30), H(3))));
        Assert.Contains("whole hour in UTC", Invalid(view, new(TestRegion, TestSku, 1, DateTime.SpecifyKind(H(1), DateTimeKind.Local), H(3))));
        Assert.Contains("planning horizon", Invalid(view, Request(1, -2, 1)));
        Assert.Contains("planning horizon", Invalid(view, Request(1, 24 * 30 - 1, 24 * 30 + 1)));
    }

    private string Invalid(CapacityView view, PlacementRequest r) => Assert.IsType<InvalidRequest>(_planner.Plan(view, r)).Message;
}
