using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Catalog;

namespace Portal.Core.Leases;

public sealed partial class LeaseAdminService
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
        var defaults = $"default GPU quota {Options.QuotaFor(null, verified)} GPUs, spend ceiling {Money.Format(spendOptions.Value.CeilingFor(null, verified))}";
        audit.Add(db, verified ? LeaseAdminActions.Verified : LeaseAdminActions.Unverified, LeaseAdminActions.TenantTarget,
            tenantId.ToString(), tenant.Name, tenantId, $"{(verified ? "Verified" : "Unverified")}: {defaults}");
        await db.SaveChangesAsync(ct);
        return AdminActionResult.Ok($"{tenant.Name} is {(verified ? "verified" : "no longer verified")}: {defaults} " +
            "(quotas and a ceiling set here still win). Leases already signed are not affected.");
    }
}
