using Portal.Core.Catalog;

namespace Portal.Core.Capacity;

/// <summary>
/// Per pool (one SKU in one region): its Ready GPUs, the GPUs in use per hour, and the GPUs that requests
/// restricted to few SKUs have asked of it. Their ratio is how scarce the pool is for a request that could go
/// elsewhere: restricted demand per GPU still free, so a pool that restricted requests keep asking for stays
/// free for them, and a pool no restricted request names is used first.
/// </summary>
internal sealed class PoolScarcity
{
    private readonly int[] _poolOfNode;
    private readonly long[] _readyGpus;
    private readonly double[] _restrictedGpus;
    private readonly int[] _used; // [hour * pools + pool]

    public PoolScarcity(PlannerNode[] nodes, int hours)
    {
        var pools = new Dictionary<(string, string), int>();
        _poolOfNode = new int[nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            var key = (nodes[i].Region, nodes[i].Sku);
            if (!pools.TryGetValue(key, out var p)) pools[key] = p = pools.Count;
            _poolOfNode[i] = p;
        }
        Count = pools.Count;
        _readyGpus = new long[Count];
        _restrictedGpus = new double[Count];
        _used = new int[(long)Count * hours <= Array.MaxLength ? Count * hours : throw new ArgumentOutOfRangeException(nameof(hours))];
        ReadyChanged(nodes);
    }

    public int Count { get; }

    public int PoolOf(int node) => _poolOfNode[node];

    /// <summary>Restricted demand per GPU free at <paramref name="hour"/> (+1, so a full pool is the scarcest, not a division by zero).</summary>
    public double Of(int pool, int hour) =>
        _restrictedGpus[pool] == 0 ? 0 : _restrictedGpus[pool] / (Math.Max(0, _readyGpus[pool] - _used[hour * Count + pool]) + 1);

    /// <summary>Counts <paramref name="gpus"/> asked of these pools by one restricted request, shared evenly among them.</summary>
    public void AddRestricted(int[] pools, int gpus)
    {
        foreach (var p in pools) _restrictedGpus[p] += (double)gpus / pools.Length;
    }

    public void AddUse(int node, int from, int to, int gpus)
    {
        var pool = _poolOfNode[node];
        for (var h = from; h < to; h++) _used[h * Count + pool] += gpus;
    }

    public void ReadyChanged(PlannerNode[] nodes)
    {
        Array.Clear(_readyGpus);
        for (var i = 0; i < nodes.Length; i++)
            if (nodes[i].State == NodeState.Ready) _readyGpus[_poolOfNode[i]] += nodes[i].GpuCount;
    }
}
