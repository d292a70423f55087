using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>
/// Who acts on leases: the current member's organisation, user, role and whether the organisation may spend.
/// Every lease class asks here, so a refusal reads the same whichever action was refused.
/// </summary>
public sealed class LeaseActor(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant)
{
    public Guid? TenantId => tenant.TenantId;
    public string? UserId => tenant.UserId;

    /// <summary>Refuses (403) unless the member has <paramref name="role"/> in a chosen organisation; <paramref name="what"/> names the action.</summary>
    public async Task EnsureRoleAsync(TenantRole role, string what, CancellationToken ct)
    {
        await tenant.RefreshAsync(dbFactory, ct); // an open page acts with the role its member has now
        if (tenant.TenantId is null) throw LeaseException.Forbidden("Choose or create an organisation first.");
        if (!tenant.HasRole(role))
        {
            var who = role == TenantRole.Member ? "Owner, Admin or Member" : "Owner or Admin";
            throw LeaseException.Forbidden($"Your role ({tenant.Role}) cannot {what}; ask an {who} of {tenant.TenantName}.");
        }
    }

    public async Task EnsureCanSpendAsync(PortalDbContext db, CancellationToken ct)
    {
        try { await tenant.EnsureCanSpendAsync(db, ct); }
        catch (TenantActionRefusedException e) { throw Suspended(e); }
    }

    /// <summary>The same check on the organisation's state and reason read by the caller's own query.</summary>
    public void EnsureCanSpend(TenantState? state, string? suspendedReason)
    {
        try { tenant.EnsureCanSpend(state, suspendedReason); }
        catch (TenantActionRefusedException e) { throw Suspended(e); }
    }

    private static LeaseException Suspended(TenantActionRefusedException e) => new("tenant_suspended", e.Message, 403);
}
