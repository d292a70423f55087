using System.Numerics;

namespace Portal.Core.Capacity;

/// <summary>
/// GPUs used per node per hour of the horizon, stored hour-major (all nodes of hour h side by side)
/// so that "which nodes have room at hour h" is one sequential pass. A per-block maximum (32 hours)
/// keeps "max used by one node over a long window" cheap: one read per block instead of per hour.
/// </summary>
internal sealed class OccupancyGrid
{
    private const int BlockShift = 5;
    private const int BlockSize = 1 << BlockShift;
    private readonly int _nodes;
    private readonly int _hours;
    private readonly int[] _used;     // [hour * nodes + node]
    private readonly int[] _blockMax; // [block * nodes + node]
    // Per node, the hours outside of which it has never had anything allocated. Never shrunk on
    // release (so only ever too wide, which is safe); lets an idle node answer without a scan.
    private readonly int[] _firstUsed;
    private readonly int[] _endUsed;

    public OccupancyGrid(int nodes, int hours)
    {
        _nodes = nodes;
        _hours = hours;
        _used = new int[(long)nodes * hours is var cells && cells <= Array.MaxLength ? (int)cells
            : throw new ArgumentOutOfRangeException(nameof(hours), "Too many nodes x hours for one view.")];
        _blockMax = new int[((hours + BlockSize - 1) >> BlockShift) * nodes];
        _firstUsed = new int[nodes];
        _endUsed = new int[nodes];
        Array.Fill(_firstUsed, int.MaxValue);
    }

    public int UsedAt(int node, int hour) => _used[hour * _nodes + node];

    /// <summary>Adds <paramref name="delta"/> GPUs to hours [from, to) of a node; callers clip to the horizon.</summary>
    public void Add(int node, int from, int to, int delta)
    {
        if (delta > 0)
        {
            // Adding only raises hours, so a block's maximum is the larger of the old one and its new hours: one pass, no rescan.
            _firstUsed[node] = Math.Min(_firstUsed[node], from);
            _endUsed[node] = Math.Max(_endUsed[node], to);
            for (var h = from; h < to; h++)
            {
                var used = _used[h * _nodes + node] += delta;
                ref var max = ref _blockMax[(h >> BlockShift) * _nodes + node];
                if (used > max) max = used;
            }
            return;
        }
        AddHours(node, from, to, delta);
        for (var b = from >> BlockShift; b <= (to - 1) >> BlockShift; b++)
        {
            var end = Math.Min((b + 1) << BlockShift, _hours);
            var max = 0;
            for (var h = b << BlockShift; h < end; h++) max = Math.Max(max, _used[h * _nodes + node]);
            _blockMax[b * _nodes + node] = max;
        }
    }

    /// <summary>Like <see cref="Add"/> but leaves the block maxima stale: for bulk loads, followed by <see cref="RebuildBlocks"/>.</summary>
    public void AddHours(int node, int from, int to, int delta)
    {
        _firstUsed[node] = Math.Min(_firstUsed[node], from);
        _endUsed[node] = Math.Max(_endUsed[node], to);
        for (var h = from; h < to; h++) _used[h * _nodes + node] += delta;
    }

    /// <summary>Recomputes every block maximum in one sequential pass.</summary>
    public void RebuildBlocks()
    {
        Array.Clear(_blockMax);
        for (var h = 0; h < _hours; h++)
        {
            var row = _used.AsSpan(h * _nodes, _nodes);
            var block = _blockMax.AsSpan((h >> BlockShift) * _nodes, _nodes);
            for (var n = 0; n < row.Length; n++) if (row[n] > block[n]) block[n] = row[n];
        }
    }

    /// <summary>
    /// <see cref="MaxUsed"/> of every node at once into <paramref name="max"/> (one int per node): a vectorised
    /// maximum over the window's rows (whole blocks from the block maxima), cheaper than node by node when many
    /// nodes are candidates.
    /// </summary>
    public void MaxUsedAll(int from, int to, Span<int> max)
    {
        max = max[.._nodes];
        max.Clear();
        var h = from;
        for (; h < to && (h & (BlockSize - 1)) != 0; h++) MaxInto(max, _used.AsSpan(h * _nodes, _nodes));
        for (; h + BlockSize <= to; h += BlockSize) MaxInto(max, _blockMax.AsSpan((h >> BlockShift) * _nodes, _nodes));
        for (; h < to; h++) MaxInto(max, _used.AsSpan(h * _nodes, _nodes));
    }

    private static void MaxInto(Span<int> acc, ReadOnlySpan<int> row)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= acc.Length - Vector<int>.Count; i += Vector<int>.Count)
                Vector.Max(new Vector<int>(acc[i..]), new Vector<int>(row[i..])).CopyTo(acc[i..]);
        for (; i < acc.Length; i++) acc[i] = Math.Max(acc[i], row[i]);
    }

    /// <summary>The most GPUs a node has in use at any hour of [from, to).</summary>
    public int MaxUsed(int node, int from, int to)
    {
        if (to <= _firstUsed[node] || from >= _endUsed[node]) return 0;
        var max = 0;
        var h = from;
        // Leading hours up to a block boundary, then whole blocks, then the trailing hours.
        for (; h < to && (h & (BlockSize - 1)) != 0; h++) max = Math.Max(max, _used[h * _nodes + node]);
        for (; h + BlockSize <= to; h += BlockSize) max = Math.Max(max, _blockMax[(h >> BlockShift) * _nodes + node]);
        for (; h < to; h++) max = Math.Max(max, _used[h * _nodes + node]);
        return max;
    }
}
