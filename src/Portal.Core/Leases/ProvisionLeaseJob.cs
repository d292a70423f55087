namespace Portal.Core.Leases;

/// <summary>TODO(lifecycle helper): reserve a lease's allocations on the pool; Active when all are ready.</summary>
public sealed class ProvisionLeaseJob
{
    public Task RunAsync(Guid leaseId, CancellationToken ct = default) => throw new NotImplementedException();
}
