namespace Portal.Core.Leases;

/// <summary>TODO(lifecycle helper): at end, Ending → release on the pool → Ended; also gives back what cancelled leases reserved.</summary>
public sealed class EndLeaseJob
{
    public Task RunAsync(Guid leaseId, CancellationToken ct = default) => throw new NotImplementedException();
}
