namespace Portal.Core.Capacity;

/// <summary>
/// Free capacity where only whole nodes are leased (a Slurm region): a node counts, with all its GPUs, only in the hours
/// nothing is allocated on it, and a day's figure counts only the nodes free for all of its hours. Counting GPUs instead
/// would add up fragments: two nodes each busy half a day leave 8 GPUs free every hour but no node free all day.
/// </summary>
internal static class WholeNodeCalendar
{
    /// <summary>Free GPUs per hour and per day (all of it, and its best hour), in whole Ready nodes.</summary>
    public static (int[] HourFree, int[] DayMinFree, int[] DayMaxFree) Compute(IReadOnlyDictionary<string, int> readyNodes,
        IEnumerable<(string NodeId, int From, int To)> busy, int hours)
    {
        var days = (hours + 23) / 24;
        var readyGpus = readyNodes.Values.Sum();
        var hourLost = new int[hours + 1];
        var dayLost = new int[days];
        // One busy-count difference array per node that has allocations: O(hours) for each such node.
        foreach (var node in busy.GroupBy(b => b.NodeId))
        {
            var gpus = readyNodes[node.Key];
            var delta = new int[hours + 1];
            foreach (var (_, from, to) in node)
            {
                delta[from]++;
                delta[to]--;
            }
            var open = 0;
            var lastDay = -1;
            for (var h = 0; h < hours; h++)
            {
                open += delta[h];
                if (open == 0) continue;
                hourLost[h] += gpus;
                if (h / 24 != lastDay) dayLost[lastDay = h / 24] += gpus;
            }
        }

        var hourFree = new int[hours];
        for (var h = 0; h < hours; h++) hourFree[h] = readyGpus - hourLost[h];
        var dayMin = new int[days];
        var dayMax = new int[days];
        for (var d = 0; d < days; d++)
        {
            dayMin[d] = readyGpus - dayLost[d];
            dayMax[d] = hourFree.Skip(24 * d).Take(24).Max();
        }
        return (hourFree, dayMin, dayMax);
    }
}
