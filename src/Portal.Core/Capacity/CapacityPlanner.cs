using Portal.Core.Catalog;
namespace Portal.Core.Capacity;

/// <summary>
/// How far and how many nearest windows the planner suggests when a request does not fit; whether a request that
/// several SKUs can serve avoids the SKUs restricted requests need (<see cref="ScarcityAwarePlacement"/>; off: plain
/// best fit over all its candidates, kept to measure the difference).
/// </summary>
public sealed record PlannerOptions(int MaxSuggestionsPerSide = 3, int SuggestionSearchHours = 14 * 24, bool ScarcityAware = true);

/// <summary>
/// Places GPU requests on nodes, the only path to an allocation. Whole nodes for requests of a
/// node's size or more (N / size whole nodes plus best fit for the rest); best fit for smaller ones
/// (the Ready node with the fewest GPUs free over the window that still fits), so that nodes do not
/// fragment. Pure: it reads a <see cref="CapacityView"/> and changes nothing; commit its placements.
/// </summary>
public sealed class CapacityPlanner(PlannerOptions? options = null)
{
    public PlannerOptions Options { get; } = options ?? new PlannerOptions();

    /// <summary>Plans against an immutable snapshot of nodes and allocations (as the portal loads them).</summary>
    public PlanResult Plan(IEnumerable<PlannerNode> nodes, IEnumerable<PlannerAllocation> allocations,
        PlacementRequest request, DateTime horizonStart, int horizonHours) =>
        Plan(CapacityView.FromSnapshot(nodes, allocations, horizonStart, horizonHours), request);

    public PlanResult Plan(CapacityView view, PlacementRequest request)
    {
        if (!CapacityTime.IsWellFormed(request) || request.Start < view.HorizonStart || request.End > view.HorizonEnd)
        {
            var errors = CapacityTime.Validate(request);
            if (errors.Count == 0)
                errors.Add($"The window must lie within the planning horizon [{view.HorizonStart:u}, {view.HorizonEnd:u}).");
            return new InvalidRequest(errors);
        }

        var allowed = view.Candidates(request);
        var candidates = allowed.Nodes;
        if (candidates.Length == 0)
            return new DoesNotFit($"No Ready nodes of SKU {SkuNames(request)} in region '{request.Region}'.", [], []);
        if (request.WholeNodes && WholeNodePlacement.Refusal(view, candidates, request.Gpus) is { } refusal)
            return new InvalidRequest([refusal]);

        var from = CapacityTime.HourIndex(view.HorizonStart, request.Start);
        var to = CapacityTime.HourIndex(view.HorizonStart, request.End);
        Func<int, int, List<(int Node, int Gpus)>?> place = request.WholeNodes
            ? (f, t) => WholeNodePlacement.TryPlace(view, candidates, request.Gpus, f, t)
            : allowed.SpansSkus && Options.ScarcityAware ? (f, t) => ScarcityAwarePlacement.TryPlace(view, allowed, request.Gpus, f, t)
            : (f, t) => TryPlace(view, candidates, request.Gpus, f, t);
        var placed = place(from, to);
        if (placed is not null)
        {
            var nodes = new NodeGpus[placed.Count];
            for (var k = 0; k < nodes.Length; k++) nodes[k] = new NodeGpus(view.Nodes[placed[k].Node].Id, placed[k].Gpus);
            return new Placement(request, nodes);
        }

        var reason = request.WholeNodes ? WholeNodePlacement.Explain(view, candidates, request.Gpus, from, to)
            : Explain(view, candidates, request.Gpus, from, to);
        var notBefore = request.NotBefore is { } nb ? Math.Max(0, CapacityTime.HourIndex(view.HorizonStart, nb)) : 0;
        var (earlier, later) = NearestWindows(view, place, from, to, notBefore);
        return new DoesNotFit(reason, earlier, later);
    }

    private static string SkuNames(PlacementRequest r) => r.AllowedSkus is { Count: > 0 } allowed
        ? string.Join(" or ", allowed.Order(StringComparer.Ordinal).Select(s => $"'{s}'")) : $"'{r.Sku}'";

    // Null when it does not fit. Node indices into the view.
    internal static List<(int Node, int Gpus)>? TryPlace(CapacityView view, int[] candidates, int gpus, int from, int to)
    {
        var maxSize = 0;
        foreach (var i in candidates) maxSize = Math.Max(maxSize, view.GpuCount(i));
        if (gpus <= maxSize)
        {
            var best = BestFit(view, candidates, gpus, from, to, taken: null);
            return best < 0 ? null : [(best, gpus)];
        }

        // Larger than any node: whole free nodes, largest first, then best fit for what is left.
        var whole = new List<int>();
        foreach (var i in candidates)
            if (view.UsedAt(i, from) == 0 && view.MaxUsed(i, from, to) == 0) whole.Add(i);
        whole.Sort((a, b) => view.GpuCount(b).CompareTo(view.GpuCount(a)) is var c && c != 0 ? c : a.CompareTo(b));
        var placed = new List<(int Node, int Gpus)>();
        var remaining = gpus;
        foreach (var i in whole)
        {
            var size = view.GpuCount(i);
            if (size > remaining) continue;
            placed.Add((i, size));
            remaining -= size;
            if (remaining == 0) return placed;
        }
        var rest = BestFit(view, candidates, remaining, from, to, placed);
        if (rest < 0) return null;
        placed.Add((rest, remaining));
        return placed;
    }

    /// <summary>The candidate with the fewest GPUs free over [from, to) that still has <paramref name="gpus"/>; -1 if none.</summary>
    private static int BestFit(CapacityView view, int[] candidates, int gpus, int from, int to, List<(int Node, int Gpus)>? taken)
    {
        using var use = new WindowUse(view, candidates.Length, from, to);
        var best = -1;
        var bestFree = int.MaxValue;
        foreach (var i in candidates)
        {
            var size = view.GpuCount(i);
            if (size - view.UsedAt(i, from) < gpus) continue; // cheap reject on the first hour
            if (taken is not null && Taken(taken, i)) continue;
            var free = size - use.MaxUsed(i);
            if (free < gpus || free >= bestFree) continue;
            best = i;
            bestFree = free;
            if (free == gpus) break; // a perfect fit cannot be beaten
        }
        return best;
    }

    private static bool Taken(List<(int Node, int Gpus)> taken, int node)
    {
        foreach (var t in taken) if (t.Node == node) return true;
        return false;
    }

    private static string Explain(CapacityView view, int[] candidates, int gpus, int from, int to)
    {
        long total = 0;
        int maxSize = 0, maxFree = 0, wholeFree = 0;
        foreach (var i in candidates)
        {
            var size = view.GpuCount(i);
            var free = size - view.MaxUsed(i, from, to);
            total += size;
            maxSize = Math.Max(maxSize, size);
            maxFree = Math.Max(maxFree, free);
            if (free == size) wholeFree++;
        }
        if (gpus > total)
            return $"Asks for {Counted.Gpus(gpus)}; the {candidates.Length} Ready nodes have {total} in all.";
        if (gpus <= maxSize)
            return $"No Ready node has {Counted.Gpus(gpus)} free for the whole window; the most free on one node is {Math.Max(0, maxFree)}.";
        return $"Needs whole free nodes for {Counted.Gpus(gpus)}; only {wholeFree} Ready nodes are free for the whole window.";
    }

    // Same length, shifted by whole hours, nearest first; bounded by the horizon, NotBefore and the search range.
    private (List<HourWindow> Earlier, List<HourWindow> Later) NearestWindows(
        CapacityView view, Func<int, int, List<(int Node, int Gpus)>?> place, int from, int to, int notBefore)
    {
        var earlier = new List<HourWindow>();
        var later = new List<HourWindow>();
        var max = Options.MaxSuggestionsPerSide;
        for (var d = 1; d <= Options.SuggestionSearchHours && (earlier.Count < max || later.Count < max); d++)
        {
            if (earlier.Count < max && from - d >= notBefore && place(from - d, to - d) is not null)
                earlier.Add(Window(view, from - d, to - d));
            if (later.Count < max && to + d <= view.HorizonHours && place(from + d, to + d) is not null)
                later.Add(Window(view, from + d, to + d));
        }
        return (earlier, later);
    }

    private static HourWindow Window(CapacityView view, int from, int to) =>
        new(CapacityTime.AtHour(view.HorizonStart, from), CapacityTime.AtHour(view.HorizonStart, to));
}
