namespace Portal.Core.Leases;

/// <summary>The state a lease shows to everyone (tenant, API, Support): a hold past its expiry reads Expired even before the sweep releases it.</summary>
public static class LeaseShownState
{
    public static LeaseState Of(LeaseState state, DateTime? holdExpiresAt, DateTime now) =>
        state == LeaseState.Held && holdExpiresAt is { } until && until <= now ? LeaseState.Expired : state;
}
