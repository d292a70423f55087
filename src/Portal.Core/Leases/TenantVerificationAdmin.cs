using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Spend;

namespace Portal.Core.Leases;

/// <summary>Support marks a tenant verified, or takes it back: which default quota and spend ceiling apply to it.</summary>
public sealed class TenantVerificationAdmin(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, IOptions<LeaseOptions> options, IOptions<SpendOptions> spendOptions)
{
    /// <summary>
    /// Marks a tenant verified (Support checked who it is: the default GPU quota and spend ceiling apply) or takes that back
    /// (the low unverified defaults apply again). A quota or ceiling Support set stays either way. Audited.
    /// </summary>
    public async Task<AdminActionResult> SetVerifiedAsync(Guid tenantId, bool verified, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == tenantId, ct);
        if (tenant is null) return AdminActionResult.Refused("There is no such tenant.");
        if (tenant.Verified == verified)
            return AdminActionResult.Ok($"{tenant.Name} is already {(verified ? "verified" : "unverified")}.");

        tenant.Verified = verified;
        var ceiling = Money.Format(spendOptions.Value.CeilingFor(null, verified));
        var defaults = $"default GPU quota {options.Value.QuotaFor(null, verified)} GPUs, spend ceiling {ceiling}";
        audit.Add(db, verified ? LeaseAdminActions.Verified : LeaseAdminActions.Unverified, LeaseAdminActions.TenantTarget,
            tenantId.ToString(), tenant.Name, tenantId, $"{(verified ? "Verified" : "Unverified")}: {defaults}");
        await db.SaveChangesAsync(ct);
        return AdminActionResult.Ok($"{tenant.Name} is {(verified ? "verified" : "no longer verified")}: {defaults} " +
            "(quotas and a ceiling set here still win). Leases already signed are not affected.");
    }
}
