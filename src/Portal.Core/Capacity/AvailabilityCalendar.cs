using Portal.Core.Catalog;

namespace Portal.Core.Capacity;

/// <summary>
/// Free GPUs of one SKU in one region, per hour from <see cref="Start"/> (index h is the hour
/// [Start + h, Start + h + 1)) and per day of 24 hours (index d covers hours 24d .. 24d + 23; the
/// last day may be shorter). <see cref="DayMinFree"/> is what can be promised for the whole day,
/// <see cref="DayMaxFree"/> the best hour of it. Free counts Ready nodes only and does not say
/// whether the free GPUs sit on one node; the planner decides that for a concrete request. In a region that
/// leases whole nodes (<see cref="NodeSize"/> &gt; 0), every figure counts whole free nodes' GPUs instead.
/// </summary>
public sealed record AvailabilityCalendarResult(
    string Region, string Sku, DateTime Start, int ReadyGpus,
    int[] HourFree, int[] DayMinFree, int[] DayMaxFree)
{
    public int Hours => HourFree.Length;
    public int Days => DayMinFree.Length;
    public DateTime HourStart(int hour) => Start.AddHours(hour);
    public DateTime DayStart(int day) => Start.AddHours(24 * day);

    /// <summary>True where only whole nodes are leased: the figures are free whole nodes' GPUs.</summary>
    public bool WholeNodes { get; init; }

    /// <summary>GPUs per node where whole nodes are leased and every Ready node has as many; 0 otherwise.</summary>
    public int NodeSize { get; init; }

    /// <summary>A free figure as a member reads it: "16 GPUs", or "2 whole nodes × 8 GPUs" where whole nodes are leased.</summary>
    public string Describe(int gpus) => NodeSize > 0
        ? $"{Counted.Of(gpus / NodeSize, "whole node")} × {Counted.Gpus(NodeSize)}"
        : Counted.Gpus(gpus);

    /// <summary>GPUs on nodes of this SKU and region that are not Ready (maintenance, draining, failed): not offered on any day.</summary>
    public int OutOfServiceGpus { get; init; }
}

/// <summary>
/// Computes the availability calendar from the same in-memory view the planner uses (nodes and
/// allocations). One pass over the allocations into a difference array, then a running sum, so it
/// costs O(nodes + allocations + hours), fast enough for every page view.
/// </summary>
public static class AvailabilityCalendar
{
    public const int NinetyDaysInHours = 90 * 24;

    public static AvailabilityCalendarResult Compute(IEnumerable<PlannerNode> nodes, IEnumerable<PlannerAllocation> allocations,
        string region, string sku, DateTime start, int hours = NinetyDaysInHours, bool wholeNodes = false)
    {
        if (!CapacityTime.IsWholeUtcHour(start)) throw new ArgumentException($"Start ({start:o}) must be a whole hour in UTC.", nameof(start));
        if (hours < 1) throw new ArgumentOutOfRangeException(nameof(hours), "The calendar needs at least one hour.");
        start = DateTime.SpecifyKind(start, DateTimeKind.Utc);

        // Only Ready nodes offer GPUs; allocations on other nodes do not reduce what is offered.
        var readyNodes = new Dictionary<string, int>();
        var readyGpus = 0;
        var outOfService = 0;
        foreach (var n in nodes)
        {
            if (n.Region != region || n.Sku != sku) continue;
            if (n.State != NodeState.Ready) outOfService += n.GpuCount;
            else if (readyNodes.TryAdd(n.Id, n.GpuCount)) readyGpus += n.GpuCount;
        }
        if (wholeNodes) return WholeNodes(readyNodes, allocations, region, sku, start, hours) with { OutOfServiceGpus = outOfService };

        var delta = new int[hours + 1];
        foreach (var a in allocations)
        {
            if (readyNodes.ContainsKey(a.NodeId)) AddWindow(delta, start, a.Start, a.End, a.Gpus, hours);
        }

        return FromDelta(delta, readyGpus, region, sku, start, hours) with { OutOfServiceGpus = outOfService };
    }

    /// <summary>
    /// As <see cref="Compute"/> from GPUs already summed per window on Ready nodes (<see cref="PoolFreeIndex"/> sums them in the
    /// database): O(nodes + windows + hours). Not for a region that leases whole nodes, which needs each node's windows.
    /// </summary>
    public static AvailabilityCalendarResult ComputeSummed(IEnumerable<PlannerNode> nodes, IEnumerable<(DateTime Start, DateTime End, int Gpus)> windows,
        string region, string sku, DateTime start, int hours)
    {
        if (!CapacityTime.IsWholeUtcHour(start)) throw new ArgumentException($"Start ({start:o}) must be a whole hour in UTC.", nameof(start));
        start = DateTime.SpecifyKind(start, DateTimeKind.Utc);
        int readyGpus = 0, outOfService = 0;
        foreach (var n in nodes.Where(n => n.Region == region && n.Sku == sku))
            if (n.State == NodeState.Ready) readyGpus += n.GpuCount; else outOfService += n.GpuCount;
        var delta = new int[hours + 1];
        foreach (var (from, to, gpus) in windows) AddWindow(delta, start, from, to, gpus, hours);
        return FromDelta(delta, readyGpus, region, sku, start, hours) with { OutOfServiceGpus = outOfService };
    }

    private static void AddWindow(int[] delta, DateTime start, DateTime windowStart, DateTime windowEnd, int gpus, int hours)
    {
        var from = ClampHour(start, windowStart, hours, roundUp: false);
        var to = ClampHour(start, windowEnd, hours, roundUp: true);
        if (from >= to) return;
        delta[from] += gpus;
        delta[to] -= gpus;
    }

    private static AvailabilityCalendarResult FromDelta(int[] delta, int readyGpus, string region, string sku, DateTime start, int hours)
    {
        var hourFree = new int[hours];
        var used = 0;
        for (var h = 0; h < hours; h++)
        {
            used += delta[h];
            hourFree[h] = readyGpus - used;
        }

        var days = (hours + 23) / 24;
        var dayMin = new int[days];
        var dayMax = new int[days];
        for (var d = 0; d < days; d++)
        {
            int min = int.MaxValue, max = int.MinValue;
            for (var h = 24 * d; h < Math.Min(hours, 24 * d + 24); h++)
            {
                min = Math.Min(min, hourFree[h]);
                max = Math.Max(max, hourFree[h]);
            }
            dayMin[d] = min;
            dayMax[d] = max;
        }
        return new AvailabilityCalendarResult(region, sku, start, readyGpus, hourFree, dayMin, dayMax);
    }

    private static AvailabilityCalendarResult WholeNodes(Dictionary<string, int> readyNodes, IEnumerable<PlannerAllocation> allocations,
        string region, string sku, DateTime start, int hours)
    {
        var busy = allocations.Where(a => readyNodes.ContainsKey(a.NodeId))
            .Select(a => (a.NodeId, From: ClampHour(start, a.Start, hours, roundUp: false), To: ClampHour(start, a.End, hours, roundUp: true)))
            .Where(b => b.From < b.To);
        var (hourFree, dayMin, dayMax) = WholeNodeCalendar.Compute(readyNodes, busy, hours);
        var sizes = readyNodes.Values.Distinct().ToList();
        return new AvailabilityCalendarResult(region, sku, start, readyNodes.Values.Sum(), hourFree, dayMin, dayMax)
        {
            WholeNodes = true, NodeSize = sizes.Count == 1 ? sizes[0] : 0,
        };
    }

    // Hour index of t relative to start, clipped to [0, hours]; partial hours are rounded out (counted as used).
    private static int ClampHour(DateTime start, DateTime t, int hours, bool roundUp)
    {
        var ticks = t.Ticks - start.Ticks;
        if (ticks <= 0) return 0;
        var h = (ticks + (roundUp ? TimeSpan.TicksPerHour - 1 : 0)) / TimeSpan.TicksPerHour;
        return (int)Math.Min(h, hours);
    }
}
