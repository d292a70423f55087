using Portal.Core.Catalog;

namespace Portal.Core.Capacity;

/// <summary>
/// Placement in a region whose pool reserves whole nodes only (Slurm 22.05 has no GPU-level reservations): a request is a
/// whole number of nodes, each free for the whole window, so no two leases ever share a node.
/// </summary>
public static class WholeNodePlacement
{
    /// <summary>What a member is told when the GPUs asked for are not a whole number of nodes of <paramref name="nodeSize"/>.</summary>
    public static string Message(int nodeSize) =>
        $"This region leases whole nodes: choose {nodeSize}, {2 * nodeSize}, {3 * nodeSize} … GPUs.";

    /// <summary>The message when <paramref name="gpus"/> is not a multiple of the node size; null when it is (or sizes differ).</summary>
    public static string? Refusal(int nodeSize, int gpus) => nodeSize > 0 && gpus % nodeSize != 0 ? Message(nodeSize) : null;

    /// <summary>As <see cref="Refusal(int, int)"/> for the candidates' node size, when they all have one size.</summary>
    internal static string? Refusal(CapacityView view, int[] candidates, int gpus)
    {
        var sizes = candidates.Select(view.GpuCount).Distinct().ToList();
        return sizes.Count == 1 ? Refusal(sizes[0], gpus) : null;
    }

    /// <summary>Whole nodes free over [from, to) whose GPUs add up to exactly <paramref name="gpus"/>, largest first; null if none.</summary>
    internal static List<(int Node, int Gpus)>? TryPlace(CapacityView view, int[] candidates, int gpus, int from, int to)
    {
        var free = FreeNodes(view, candidates, from, to);
        free.Sort((a, b) => view.GpuCount(b).CompareTo(view.GpuCount(a)) is var c && c != 0 ? c : a.CompareTo(b));
        var placed = new List<(int Node, int Gpus)>();
        var remaining = gpus;
        foreach (var i in free)
        {
            var size = view.GpuCount(i);
            if (size > remaining) continue;
            placed.Add((i, size));
            remaining -= size;
            if (remaining == 0) return placed;
        }
        return null;
    }

    internal static string Explain(CapacityView view, int[] candidates, int gpus, int from, int to)
    {
        var free = FreeNodes(view, candidates, from, to).Count;
        var size = candidates.Max(view.GpuCount);
        var needed = (gpus + size - 1) / size;
        return $"This region leases whole nodes: {Counted.Gpus(gpus)} take {Counted.Of(needed, "whole free node")}; "
            + $"{free} of the {candidates.Length} Ready nodes are free for the whole window.";
    }

    private static List<int> FreeNodes(CapacityView view, int[] candidates, int from, int to)
    {
        var free = new List<int>();
        foreach (var i in candidates)
            if (view.UsedAt(i, from) == 0 && view.MaxUsed(i, from, to) == 0) free.Add(i);
        return free;
    }
}
