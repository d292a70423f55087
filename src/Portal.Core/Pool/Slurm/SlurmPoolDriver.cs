using Microsoft.Extensions.Logging;
using Portal.Core.Catalog;

namespace Portal.Core.Pool.Slurm;

/// <summary>
/// One region's pool on a Slurm 22.05 cluster, through its command-line tools (scontrol, sbatch, scancel): a lease is a
/// reservation named after it (whole nodes, limited to the tenant's account), a task is a batch job in that reservation
/// under the tenant's account, with its files in <see cref="SlurmOptions.JobRoot"/>.
/// </summary>
public sealed class SlurmPoolDriver : IGpuPoolDriver
{
    private readonly string regionId;
    private readonly SlurmOptions options;
    private readonly SlurmNodes nodes;
    private readonly SlurmReservations reservations;
    private readonly SlurmJobs jobs;
    private readonly SlurmLostJobs lostJobs;

    public SlurmPoolDriver(string regionId, SlurmOptions options, TimeProvider time, ILogger<SlurmPoolDriver> logger)
    {
        this.regionId = regionId;
        this.options = options;
        var commands = new SlurmCommands(options);
        var queries = new SlurmJobQueries(commands);
        nodes = new SlurmNodes(commands, options);
        reservations = new SlurmReservations(commands, nodes, queries, time);
        jobs = new SlurmJobs(commands, queries, reservations, nodes, options, time, logger);
        lostJobs = new SlurmLostJobs(queries, nodes, options);
    }

    public string RegionId => regionId;
    public SlurmOptions Options => options;

    public async Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default)
    {
        var all = await nodes.ListAsync(ct);
        // Whole nodes: a node in any reservation is reserved in full.
        var reserved = (await reservations.ListAsync(ct)).SelectMany(r => r.Nodes).ToHashSet();
        return [.. all.Select(n => new PoolNode(n.Name, regionId, options.Sku, n.Gpus, n.PortalState, reserved.Contains(n.Name) ? n.Gpus : 0))];
    }

    public Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) => throw NeedsHold();
    public Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default) => throw NeedsHold();
    public Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct = default) => reservations.ReserveAsync(hold, ct);
    public Task<ReservationResult> ExtendAsync(PoolHold hold, CancellationToken ct = default) => reservations.ExtendAsync(hold, ct);

    /// <summary>A failed node leaves the reservation with its jobs marked lost with it (they end NodeFailed, not Cancelled).</summary>
    public async Task ReleaseAsync(PoolHold hold, CancellationToken ct = default)
    {
        await lostJobs.MarkAsync(hold, ct);
        await reservations.ReleaseAsync(hold, ct);
    }

    public Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default) => nodes.SetStateAsync(nodeId, state, ct);

    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => jobs.SubmitAsync(spec, ct);
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => jobs.GetAsync(taskId, ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => jobs.ListAsync(ct);
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => jobs.CancelAsync(taskId, grace, ct);
    public Task<bool> ForgetTaskAsync(string taskId, CancellationToken ct = default) => jobs.ForgetAsync(taskId, ct);
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        jobs.ReadLogAsync(taskId, stream, offset, maxBytes, ct);

    /// <summary>
    /// Slurm 22.05 has no per-job GPU utilisation (gres/gpuutil and the acct_gather_gpu plugin came in 23.02), and
    /// without accounting there is nothing to read: a Slurm task reports no samples.
    /// </summary>
    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<PoolGpuSample>>([]);

    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) =>
        throw new NotSupportedException($"A Slurm region ({regionId}) serves no hosted models: deploy models in a simulator region.");

    private static NotSupportedException NeedsHold() =>
        new("A Slurm pool needs a lease's hold (lease, window, account) to reserve: call the PoolHold forms.");
}
