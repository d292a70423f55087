using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>
/// Who acts on leases: the current member's organisation and user. Its checks are <see cref="CurrentTenant"/>'s own (the
/// one role check and the one spend check), so a lease refusal reads as every other feature's: a
/// <see cref="TenantActionRefusedException"/> (403 <c>forbidden</c> or <c>tenant_suspended</c>).
/// </summary>
public sealed class LeaseActor(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant)
{
    public Guid? TenantId => tenant.TenantId;
    public string? UserId => tenant.UserId;

    /// <summary>Refuses (403) unless the member has <paramref name="role"/> now; <paramref name="what"/> names the action.</summary>
    public Task RequireRoleAsync(TenantRole role, string what, CancellationToken ct) => tenant.RequireRoleAsync(dbFactory, role, what, ct);

    public Task EnsureCanSpendAsync(PortalDbContext db, CancellationToken ct) => tenant.EnsureCanSpendAsync(db, ct);

    /// <summary>The same check on the organisation's state and reason read by the caller's own query.</summary>
    public void EnsureCanSpend(TenantState? state, string? suspendedReason) => tenant.EnsureCanSpend(state, suspendedReason);
}
