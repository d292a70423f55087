using Portal.Core.Capacity;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

/// <summary>
/// A pool that fills within one hour, as the Alibaba trace does at compression 6,000: every request starts at hour 0,
/// so hour 0's GPUs are all there is to share and the only question is which requests are turned away once it is full.
/// </summary>
public class FullPoolPlannerTests
{
    private const string Any = PlacementRequest.AnySku;

    // Two types of two GPUs each; a request restricted to A arrives first, so A is the type restricted requests need.
    private static readonly PlacementRequest[] Arrivals =
    [
        Request(1, 0, 1, sku: "A"), // restricted
        Request(1, 0, 1, sku: Any),
        Request(1, 0, 1, sku: "A"), // restricted: fits only if the flexible request before it stayed off A
        Request(1, 0, 5, sku: Any),
        Request(1, 0, 5, sku: Any), // the last arrival: 5 GPU-hours, unknown when the earlier ones were placed
    ];

    private static List<int> Refused(CapacityPlanner planner, IEnumerable<PlacementRequest> arrivals)
    {
        var view = View(Node("a", 2, sku: "A"), Node("b", 2, sku: "B"));
        var refused = new List<int>();
        foreach (var (request, i) in arrivals.Select((r, i) => (r, i)))
            if (planner.Plan(view, request) is Placement p) view.Commit(p);
            else refused.Add(i);
        return refused;
    }

    [Fact]
    public void Once_the_pool_is_full_the_planner_turns_away_the_last_arrival_exactly_as_if_no_request_named_a_type()
    {
        var unconstrained = Arrivals.Select(r => r with { Sku = Any });

        Assert.Equal([4], Refused(new CapacityPlanner(), Arrivals));
        Assert.Equal([4], Refused(new CapacityPlanner(), unconstrained));
    }

    [Fact]
    public void Letting_flexible_requests_take_the_restricted_type_turns_away_the_earlier_restricted_request_instead()
    {
        // The trade-off behind first fit's few extra GPU-hours at compression 6,000: the same count is refused, but a
        // 1-hour restricted request instead of the 5-hour last arrival. Which is longer is not known when choosing.
        var plainBestFit = new CapacityPlanner(new PlannerOptions(ScarcityAware: false));

        Assert.Equal([2], Refused(plainBestFit, Arrivals));
    }
}
