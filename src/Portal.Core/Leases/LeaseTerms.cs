using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>The agreement's terms for a held or signed lease or extension: what the review page shows and the PDF prints.</summary>
public sealed class LeaseTerms(IDbContextFactory<PortalDbContext> dbFactory, IOptions<LeaseOptions> options)
{
    /// <summary>The agreement's terms for a held or signed lease (what the review page shows and the PDF prints).</summary>
    public async Task<AgreementTerms> TermsAsync(Lease lease, LeaseAmendment? amendment = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await TermsAsync(db, lease, amendment, ct);
    }

    internal async Task<AgreementTerms> TermsAsync(PortalDbContext db, Lease lease, LeaseAmendment? amendment, CancellationToken ct)
    {
        var names = await db.Tenants.Where(t => t.Id == lease.TenantId).Select(t => new
        {
            TenantName = t.Name, // (scalar subqueries only: SQLite cannot APPLY)
            Region = db.Regions.Where(r => r.Id == lease.RegionId).Select(r => r.Name).FirstOrDefault(),
            Sku = db.GpuSkus.Where(s => s.Id == lease.SkuId).Select(s => s.Name).FirstOrDefault(),
        }).FirstAsync(ct);
        return Terms(lease, amendment, names.TenantName, names.Region ?? lease.RegionId, names.Sku ?? lease.SkuId,
            amendment is null ? await ChosenFromAsync(db, lease, ct) : null);
    }

    /// <summary>A flexible lease's acceptable GPU types by name, in the stored order; null (and no query) for a lease of one SKU.</summary>
    internal static async Task<string?> ChosenFromAsync(PortalDbContext db, Lease lease, CancellationToken ct)
    {
        if (lease.ChosenFromSkuIds is not { } stored) return null;
        var ids = stored.Split(',');
        var names = await db.GpuSkus.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        return string.Join(", ", ids.Select(id => names.GetValueOrDefault(id, id)));
    }

    /// <summary>The terms from names the caller already read.</summary>
    internal AgreementTerms Terms(Lease lease, LeaseAmendment? amendment, string tenantName, string region, string sku, string? chosenFrom = null)
    {
        var policy = CancellationPolicy.Describe(Deals.DealAgreement.CancellationTermsOf(lease, options.Value));
        return amendment is null
            ? new AgreementTerms(tenantName, lease.Id, region, sku, lease.Gpus, lease.Start, lease.End, LeasePrice.Of(lease), policy)
            {
                StartsOnActivationUntil = StartOnActivation.Pending(lease) ? StartOnActivation.ReservedEnd(lease) : null,
                ChosenFrom = chosenFrom,
            }
            : new AgreementTerms(tenantName, lease.Id, region, sku, lease.Gpus, lease.Start, amendment.NewEnd,
                new LeasePrice(lease.Gpus, amendment.Hours, amendment.OnDemandMicrosPerGpuHour, amendment.DiscountBasisPoints, amendment.MicrosPerGpuHour),
                policy, amendment.Id, amendment.OldEnd);
    }
}
