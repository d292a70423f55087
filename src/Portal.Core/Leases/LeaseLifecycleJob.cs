namespace Portal.Core.Leases;

/// <summary>TODO(lifecycle helper): the minutely sweep.</summary>
public sealed class LeaseLifecycleJob
{
    public const string RecurringId = "lease-lifecycle";
    public Task RunAsync(CancellationToken ct = default) => throw new NotImplementedException();
}
