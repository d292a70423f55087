using Microsoft.Extensions.Logging;
using Portal.Core.Catalog;

namespace Portal.Core.Pool.Slurm;

/// <summary>
/// One region's pool on a Slurm 22.05 cluster, through its command-line tools: a lease is a reservation named
/// after it (whole nodes, limited to the tenant's account), a task is a batch job in that reservation.
/// CONTRACT STUB (issue 15): the driver helper replaces every body; the constructor stays.
/// </summary>
public sealed class SlurmPoolDriver(string regionId, SlurmOptions options, TimeProvider time, ILogger<SlurmPoolDriver> logger) : IGpuPoolDriver
{
    public string RegionId => regionId;
    public SlurmOptions Options => options;

    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default) => throw Todo();
    public Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) => throw Todo();
    public Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default) => throw Todo();
    public Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct = default) => throw Todo();
    public Task<ReservationResult> ExtendAsync(PoolHold hold, CancellationToken ct = default) => throw Todo();
    public Task ReleaseAsync(PoolHold hold, CancellationToken ct = default) => throw Todo();
    public Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default) => throw Todo();
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => throw Todo();
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => throw Todo();
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => throw Todo();
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => throw Todo();
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) => throw Todo();
    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) => throw Todo();
    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => throw Todo();

    private Exception Todo()
    {
        logger.LogError("Slurm driver for {Region}: not built yet ({At:O})", regionId, time.GetUtcNow());
        return new NotImplementedException("The Slurm driver is not built yet.");
    }
}
