using Portal.Core.Capacity;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

/// <summary>Requests that name the SKUs they accept (one, a set, or any), as the Alibaba trace's gpu_spec does.</summary>
public class SkuConstraintPlannerTests
{
    private readonly CapacityPlanner _planner = new();

    private static PlacementRequest AnyOf(int gpus, int fromHour, int toHour, params string[] skus) =>
        Request(gpus, fromHour, toHour, sku: PlacementRequest.AnySku) with { AllowedSkus = new HashSet<string>(skus) };

    private static string SkuOf(CapacityView view, PlanResult result) =>
        view.Nodes[view.IndexOf(Assert.Single(Assert.IsType<Placement>(result).Nodes).NodeId)].Sku;

    [Fact]
    public void A_request_restricted_to_a_or_b_never_lands_on_c_even_when_c_fits_best()
    {
        // c is the best fit (1 GPU free), a and b have room too; then a and b fill up and only c is left.
        var view = View(Node("a", sku: "A"), Node("b", 2, sku: "B"), Node("c", sku: "C"));
        view.Commit(Alloc("c", 7, 0, 10));
        view.Commit(Alloc("a", 4, 0, 10));

        Assert.NotEqual("C", SkuOf(view, _planner.Plan(view, AnyOf(1, 1, 3, "A", "B"))));

        view.Commit(Alloc("a", 4, 0, 10));
        view.Commit(Alloc("b", 2, 0, 10));
        Assert.IsType<DoesNotFit>(_planner.Plan(view, AnyOf(1, 1, 3, "A", "B")));
        Assert.Equal("C", SkuOf(view, _planner.Plan(view, Request(1, 1, 3, sku: PlacementRequest.AnySku))));
        Assert.Contains("'D' or 'E'", Assert.IsType<DoesNotFit>(_planner.Plan(view, AnyOf(1, 1, 3, "E", "D"))).Reason);
    }

    [Fact]
    public void An_any_type_request_leaves_the_only_node_of_a_scarce_type_to_a_later_request_restricted_to_it()
    {
        // "scarce" has one 1-GPU node, a request restricted to it has been seen; "common" has room but fits less well.
        var view = View(Node("scarce-1", 1, sku: "scarce"), Node("common-1", sku: "common"));
        view.Commit(Assert.IsType<Placement>(_planner.Plan(view, Request(1, 0, 1, sku: "scarce"))));

        var flexible = _planner.Plan(view, Request(1, 2, 12, sku: PlacementRequest.AnySku));
        view.Commit(Assert.IsType<Placement>(flexible));
        var restricted = _planner.Plan(view, Request(1, 3, 6, sku: "scarce"));

        Assert.Equal("common", SkuOf(view, flexible));
        Assert.Equal("scarce-1", Assert.Single(Assert.IsType<Placement>(restricted).Nodes).NodeId);
    }

    [Fact]
    public void Several_allowed_types_take_the_one_restricted_requests_need_least_then_best_fit_within_it()
    {
        // Plain best fit would take a (exactly 2 free); but requests restricted to A want it, none want B.
        var view = View(Node("a", sku: "A"), Node("b-half", sku: "B"), Node("b-empty", sku: "B"), Node("c", sku: "C"));
        view.Commit(Alloc("a", 6, 0, 10));
        view.Commit(Alloc("b-half", 4, 0, 10));
        view.Commit(Assert.IsType<Placement>(_planner.Plan(view, Request(2, 0, 1, sku: "A"))));

        var p = Assert.IsType<Placement>(_planner.Plan(view, AnyOf(2, 1, 3, "A", "B")));

        Assert.Equal("b-half", Assert.Single(p.Nodes).NodeId);
    }

    [Fact]
    public void With_no_restricted_demand_a_flexible_request_is_plain_best_fit_over_its_types()
    {
        var view = View(Node("a", sku: "A"), Node("b", sku: "B"));
        view.Commit(Alloc("b", 5, 0, 10));

        var p = Assert.IsType<Placement>(_planner.Plan(view, AnyOf(3, 1, 3, "A", "B")));

        Assert.Equal("b", Assert.Single(p.Nodes).NodeId);
    }
}
