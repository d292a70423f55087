using Portal.Core.Catalog;

namespace Portal.Core.Pool;

/// <summary>A node as the pool reports it.</summary>
public sealed record PoolNode(string Id, string Region, string Sku, int GpuCount, NodeState State, int ReservedGpus);

public enum ReservationOutcome { Reserved, InsufficientGpus, NodeNotReady, Conflict, Failed }

public sealed record ReservationResult(ReservationOutcome Outcome, string? Message = null)
{
    public bool Succeeded => Outcome == ReservationOutcome.Reserved;
}

/// <summary>
/// The one boundary between the portal and hardware. The simulator driver is the embedded default;
/// a Slurm driver is the real one to come. Every call is idempotent by allocation id, so jobs may retry.
/// </summary>
public interface IGpuPoolDriver
{
    Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default);

    /// <summary>Reserves <paramref name="gpus"/> GPUs on a node for an allocation; the same call again is the same reservation.</summary>
    Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default);

    /// <summary>Releases an allocation's GPUs; releasing what is not reserved is not an error.</summary>
    Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default);

    /// <summary>
    /// Sets a node's state on the pool, the source of truth for node states (Support's maintenance, drain or
    /// failure decisions go here; the sync job copies states back into the catalog). False when the pool has no such node.
    /// </summary>
    Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default);

    /// <summary>The OpenAI-compatible base URL (ending in <c>/v1/</c>) for a deployment's configured base URL.</summary>
    Uri ResolveModelBaseUrl(string deploymentBaseUrl);
}
