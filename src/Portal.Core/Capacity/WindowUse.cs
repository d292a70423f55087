using System.Buffers;

namespace Portal.Core.Capacity;

/// <summary>
/// The most GPUs used on each candidate node over one window, as the planner's best fit reads it: for many
/// candidates all nodes at once (a vectorised pass over the window's rows, into a pooled array), for a few node by
/// node. Both give the same numbers; only the cost differs.
/// </summary>
internal ref struct WindowUse
{
    private readonly CapacityView _view;
    private readonly int _from;
    private readonly int _to;
    private int[]? _all;

    public WindowUse(CapacityView view, int candidates, int from, int to)
    {
        _view = view;
        _from = from;
        _to = to;
        if (candidates >= 16 && candidates * 8 >= view.Nodes.Count)
        {
            _all = ArrayPool<int>.Shared.Rent(view.Nodes.Count);
            view.MaxUsedByNode(from, to, _all);
        }
    }

    public readonly int MaxUsed(int node) => _all is { } all ? all[node] : _view.MaxUsed(node, _from, _to);

    public void Dispose()
    {
        if (_all is not null) ArrayPool<int>.Shared.Return(_all);
        _all = null;
    }
}
