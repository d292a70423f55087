namespace Portal.Core.Leases;

/// <summary>TODO(lifecycle helper): a node failed: degrade its leases, move allocations or credit lost GPU-hours.</summary>
public sealed class NodeFailureJob
{
    public Task RunAsync(string nodeId, CancellationToken ct = default) => throw new NotImplementedException();
}
