using System.Diagnostics;
using Portal.Core.Capacity;
using Portal.Core.Catalog;

namespace Portal.Benchmarks;

/// <summary>
/// The 90-day availability calendar of one SKU and region over 1,000 nodes and 10,000 allocations
/// (placed by the planner at random, seeded, so they are valid), timed over many runs. Also times
/// what a portal request pays to plan on a fresh snapshot of the same pool.
/// </summary>
internal static class CalendarBenchmark
{
    private const string Region = "us-south-1", Sku = "h100-sxm-80gb";

    public static void Run(TextWriter output)
    {
        var start = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
        var hours = AvailabilityCalendar.NinetyDaysInHours;
        var nodes = Enumerable.Range(0, 1000).Select(i => new PlannerNode($"node-{i:D4}", Region, Sku, 8,
            i % 50 == 0 ? NodeState.Maintenance : NodeState.Ready)).ToList();
        var view = new CapacityView(nodes, start, hours);
        var planner = new CapacityPlanner();
        var rng = new Random(42);
        var allocations = new List<PlannerAllocation>();
        while (allocations.Count < 10_000)
        {
            var from = rng.Next(0, hours - 1);
            var to = Math.Min(hours, from + rng.Next(1, 24 * 14));
            var gpus = rng.Next(4) == 0 ? 8 * rng.Next(1, 4) : rng.Next(1, 8);
            if (planner.Plan(view, new PlacementRequest(Region, Sku, gpus, start.AddHours(from), start.AddHours(to))) is Placement p)
                allocations.AddRange(view.Commit(p));
        }

        AvailabilityCalendar.Compute(nodes, allocations, Region, Sku, start); // warm up
        var calendarMs = Time(200, () => AvailabilityCalendar.Compute(nodes, allocations, Region, Sku, start));
        var request = new PlacementRequest(Region, Sku, 4, start.AddHours(100), start.AddHours(200));
        planner.Plan(nodes, allocations, request, start, hours); // warm up
        var snapshotPlanMs = Time(20, () => planner.Plan(nodes, allocations, request, start, hours));
        var c = AvailabilityCalendar.Compute(nodes, allocations, Region, Sku, start);

        output.WriteLine($"Availability calendar, 90 days (2,160 hours) of one SKU and region, {nodes.Count:N0} nodes ({c.ReadyGpus:N0} Ready GPUs), " +
            $"{allocations.Count:N0} allocations:");
        output.WriteLine($"  calendar: median {calendarMs.Median:F3} ms, max {calendarMs.Max:F3} ms over 200 runs (goal < 20 ms)");
        output.WriteLine($"  free GPUs per day (min over the day), first 7 days: {string.Join(", ", c.DayMinFree.Take(7))}; lowest hour {c.HourFree.Min()}");
        output.WriteLine("  for comparison, one plan on a fresh snapshot of that pool (build the view + plan): " +
            $"median {snapshotPlanMs.Median:F2} ms, max {snapshotPlanMs.Max:F2} ms over 20 runs");
    }

    private static (double Median, double Max) Time(int runs, Action action)
    {
        var ms = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var begin = Stopwatch.GetTimestamp();
            action();
            ms[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
        }
        Array.Sort(ms);
        return (ms[runs / 2], ms[^1]);
    }
}
