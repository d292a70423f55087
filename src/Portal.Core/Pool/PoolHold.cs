namespace Portal.Core.Pool;

/// <summary>
/// One allocation's hold on a node, with what a real pool needs beyond node, allocation and GPUs: the lease it
/// belongs to (Slurm names its reservation after the lease), the window it covers, and the tenant's pool account
/// (Slurm limits the reservation to it). Extending passes the allocation that holds the reservation with the new end.
/// </summary>
public sealed record PoolHold(Guid LeaseId, Guid AllocationId, string NodeId, int Gpus, DateTime Start, DateTime End, string Account);

/// <summary>The name of a tenant's account on a pool: stable (tenant ids never change) and valid as a Slurm account name.</summary>
public static class PoolAccount
{
    public static string For(Guid tenantId) => $"tenant-{tenantId:N}";
}
