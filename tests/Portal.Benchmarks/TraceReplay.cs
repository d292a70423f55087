using Portal.Core.Capacity;

namespace Portal.Benchmarks;

internal sealed record ReplayResult(
    string List, string Policy, double Factor, int Requests, int Placed, long RequestedGpuHours, long PlacedGpuHours,
    double PlacingSeconds, int Refusals, int RestrictedRefusals, long StrandedAtRefusals, int RefusalsWithLaterWindow,
    long OverbookedNodeHours, double FragmentedGpusAverage)
{
    /// <summary>The refused requests, in arrival order (for <see cref="ReplayComparison"/>).</summary>
    public IReadOnlyList<RefusedRequest> RefusedRequests { get; init; } = [];
    /// <summary>Refusals that found a GPU of an allowed type free at the request's first hour (0: every refusal met a full pool).</summary>
    public int RefusedWithFreeGpuAtStart { get; init; }
    public double RequestsPerSecond => Requests / PlacingSeconds;
    public double PlacedGpuHourShare => (double)PlacedGpuHours / RequestedGpuHours;
}

/// <summary>A refused request: the task's name (the same in every list), whether it names its types, its GPU-hours.</summary>
internal readonly record struct RefusedRequest(string Name, bool Restricted, long GpuHours);

/// <summary>
/// Replays the requests in arrival order against a fresh pool, one policy at a time, on one thread.
/// Only planning and committing are timed (thread CPU time where the OS gives it, see <see cref="ThreadCpuClock"/>);
/// the stranded count and the overbooking check are not.
/// </summary>
internal static class TraceReplay
{
    public static ReplayResult Run(string policy, Func<CapacityView, PlacementRequest, PlanResult> place,
        AlibabaTrace trace, double factor, List<TraceRequest>? requests = null)
    {
        requests ??= trace.Requests(factor);
        var hours = requests.Max(r => r.EndHour) + 1;
        var view = new CapacityView(trace.Nodes, AlibabaTrace.Origin, hours);
        var committed = new List<PlannerAllocation>(requests.Count);
        int placed = 0, refusals = 0, restrictedRefusals = 0, withLater = 0, freeAtStart = 0;
        var refused = new List<RefusedRequest>();
        long requestedGpuHours = 0, placedGpuHours = 0, stranded = 0, ticks = 0;

        foreach (var t in requests)
        {
            var start = AlibabaTrace.Origin.AddHours(t.StartHour);
            // Leases start on arrival, so no earlier window can be offered: NotBefore is the arrival hour.
            var request = new PlacementRequest(AlibabaTrace.Region, t.Sku, t.Gpus, start, AlibabaTrace.Origin.AddHours(t.EndHour))
                { NotBefore = start, AllowedSkus = t.AllowedSkus };
            requestedGpuHours += t.GpuHours;

            var begin = ThreadCpuClock.NowTicks();
            var result = place(view, request);
            if (result is Placement p) committed.AddRange(view.Commit(p));
            ticks += ThreadCpuClock.NowTicks() - begin;

            if (result is Placement) { placed++; placedGpuHours += t.GpuHours; continue; }
            refusals++;
            if (t.Restricted) restrictedRefusals++;
            if (result is DoesNotFit { LaterWindows.Count: > 0 }) withLater++;
            stranded += FreeTooSmall(view, request, t);
            refused.Add(new RefusedRequest(t.Name, t.Restricted, t.GpuHours));
            if (AnyFreeAt(view, request, t.StartHour)) freeAtStart++;
        }

        var (overbooked, fragmented) = OccupancyCheck.Run(trace.Nodes, committed, AlibabaTrace.Origin, hours);
        return new ReplayResult(trace.List, policy, factor, requests.Count, placed, requestedGpuHours, placedGpuHours,
            (double)ticks / TimeSpan.TicksPerSecond, refusals, restrictedRefusals, stranded, withLater, overbooked, fragmented)
            { RefusedRequests = refused, RefusedWithFreeGpuAtStart = freeAtStart };
    }

    private static bool AnyFreeAt(CapacityView view, PlacementRequest r, int hour)
    {
        foreach (var i in view.Candidates(r).Nodes)
            if (view.UsedAt(i, hour) < view.GpuCount(i)) return true;
        return false;
    }

    // GPUs free for the whole window on allowed Ready nodes that each had too few to take the request.
    private static long FreeTooSmall(CapacityView view, PlacementRequest r, TraceRequest t)
    {
        long sum = 0;
        foreach (var i in view.Candidates(r).Nodes)
        {
            var free = view.Nodes[i].GpuCount - view.MaxUsed(i, t.StartHour, t.EndHour);
            if (free > 0 && free < r.Gpus) sum += free;
        }
        return sum;
    }
}
