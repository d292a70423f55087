using Portal.Core.Capacity;
using Portal.Core.Catalog;
using static Portal.Tests.Capacity.CapacityTestPool;

namespace Portal.Tests.Capacity;

public class AvailabilityCalendarTests
{
    private static readonly PlannerNode[] Nodes =
    [
        Node("a"), Node("b", gpus: 4),
        Node("down", state: NodeState.Maintenance),
        Node("other", sku: "a100"),
    ];

    [Fact]
    public void Empty_pool_is_fully_free_for_ninety_days()
    {
        var c = AvailabilityCalendar.Compute(Nodes, [], TestRegion, TestSku, T0);

        Assert.Equal(T0, c.Start);
        Assert.Equal(2160, c.Hours);
        Assert.Equal(90, c.Days);
        Assert.Equal(12, c.ReadyGpus);
        Assert.All(c.HourFree, f => Assert.Equal(12, f));
        Assert.All(c.DayMinFree, f => Assert.Equal(12, f));
    }

    [Fact]
    public void Gpus_on_nodes_out_of_service_are_counted_so_that_the_calendar_can_say_why_they_are_not_offered()
    {
        var c = AvailabilityCalendar.Compute(Nodes, [], TestRegion, TestSku, T0, hours: 24);

        Assert.Equal(12, c.ReadyGpus);
        Assert.Equal(8, c.OutOfServiceGpus); // "down" is in maintenance; "other" is another SKU
    }

    [Fact]
    public void Allocations_reduce_free_gpus_in_their_hours_only()
    {
        PlannerAllocation[] allocations =
        [
            Alloc("a", 8, 2, 4), Alloc("b", 1, 3, 30),
            Alloc("down", 8, 0, 48),   // not Ready: offers nothing either way
            Alloc("other", 8, 0, 48),  // another SKU
            Alloc("a", 2, -10, 1),     // started before the calendar
        ];

        var c = AvailabilityCalendar.Compute(Nodes, allocations, TestRegion, TestSku, T0, hours: 48);

        Assert.Equal([10, 12, 4, 3, 11, 11], c.HourFree.Take(6));
        Assert.Equal(11, c.HourFree[29]);
        Assert.Equal(12, c.HourFree[30]);
        Assert.Equal([3, 11], c.DayMinFree);
        Assert.Equal([12, 12], c.DayMaxFree);
        Assert.Equal(T0.AddHours(24), c.DayStart(1));
    }

    [Fact]
    public void A_last_partial_day_covers_the_remaining_hours()
    {
        var c = AvailabilityCalendar.Compute(Nodes, [Alloc("a", 8, 25, 26)], TestRegion, TestSku, T0, hours: 26);

        Assert.Equal(2, c.Days);
        Assert.Equal(4, c.DayMinFree[1]);
        Assert.Equal(12, c.DayMaxFree[1]);
    }

    [Fact]
    public void Calendar_agrees_with_the_planners_view_hour_by_hour()
    {
        var rng = new Random(7);
        var view = new CapacityView(Nodes, T0, 200);
        var planner = new CapacityPlanner();
        for (var i = 0; i < 300; i++)
        {
            var from = rng.Next(0, 190);
            if (planner.Plan(view, Request(rng.Next(1, 9), from, from + rng.Next(1, 10))) is Placement p) view.Commit(p);
        }
        var held = Enumerable.Range(0, view.Nodes.Count).SelectMany(i => Enumerable.Range(0, 200)
            .Where(h => view.UsedAt(i, h) > 0).Select(h => Alloc(view.Nodes[i].Id, view.UsedAt(i, h), h, h + 1))).ToList();

        var c = AvailabilityCalendar.Compute(Nodes, held, TestRegion, TestSku, T0, hours: 200);

        for (var h = 0; h < 200; h++)
            Assert.Equal(12 - view.UsedAt(0, h) - view.UsedAt(1, h), c.HourFree[h]);
    }

    [Fact]
    public void Start_must_be_a_whole_utc_hour()
    {
        Assert.Throws<ArgumentException>(() => AvailabilityCalendar.Compute(Nodes, [], TestRegion, TestSku, T0.AddMinutes(1)));
    }
}
