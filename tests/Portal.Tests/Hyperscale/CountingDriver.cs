using System.Collections.Concurrent;
using Portal.Core.Catalog;
using Portal.Core.Pool;

namespace Portal.Tests.Hyperscale;

/// <summary>
/// A pool that grants every reservation and counts them per allocation, and stops answering (throws, as a pool that went
/// away) after <c>failAfter</c> reservations until healed. Nodes, tasks and releases go to the real pool. (Reservations are
/// not passed on: the real pool holds the seeded running leases' nodes today, and this lease starts weeks ahead.)
/// </summary>
internal sealed class CountingDriver(IGpuPoolDriver pool, int failAfter) : IGpuPoolDriver
{
    private readonly ConcurrentDictionary<Guid, int> _reserved = new();
    private int _calls;
    private bool _healed;

    public void Heal() => _healed = true;
    public int Reserved(Guid allocationId) => _reserved.GetValueOrDefault(allocationId);

    public async Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct = default)
    {
        if (!_healed && Interlocked.Increment(ref _calls) > failAfter) throw new HttpRequestException("The pool went away.");
        await Task.Yield();
        _reserved.AddOrUpdate(hold.AllocationId, 1, (_, n) => n + 1);
        return new ReservationResult(ReservationOutcome.Reserved);
    }

    public Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) =>
        throw new NotSupportedException();
    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default) => pool.ListNodesAsync(ct);
    public Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default) => pool.ReleaseAsync(nodeId, allocationId, ct);
    public Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default) => pool.SetNodeStateAsync(nodeId, state, ct);
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => pool.SubmitTaskAsync(spec, ct);
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => pool.GetTaskAsync(taskId, ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => pool.ListTasksAsync(ct);
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => pool.CancelTaskAsync(taskId, grace, ct);
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        pool.ReadLogAsync(taskId, stream, offset, maxBytes, ct);
    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        pool.ReadMetricsAsync(taskId, after, ct);
    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => pool.ResolveModelBaseUrl(deploymentBaseUrl);
}
