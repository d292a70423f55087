namespace Portal.Core.Leases;

/// <summary>A line of a lease's timeline, stamped with the lease's state after the change.</summary>
internal static class LeaseEvents
{
    public static LeaseEvent New(Lease lease, DateTime at, string message, string? actor) =>
        new() { TenantId = lease.TenantId, LeaseId = lease.Id, At = at, State = lease.State, Message = message, Actor = actor ?? "system" };
}
