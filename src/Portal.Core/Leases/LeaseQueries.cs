using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>Reads the current organisation's leases (the tenant filter hides everyone else's): lists, one lease, its signed PDFs.</summary>
public sealed class LeaseQueries(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>The tenant's leases, newest first, with optional filters.</summary>
    public async Task<List<Lease>> ListAsync(LeaseState? state = null, string? skuId = null, string? regionId = null,
        int skip = 0, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Set<Lease>().AsNoTracking();
        if (state is { } s) q = s == LeaseState.Expired
            ? q.Where(l => l.State == LeaseState.Expired || (l.State == LeaseState.Held && l.HoldExpiresAt <= Now))
            : q.Where(l => l.State == s);
        if (!string.IsNullOrEmpty(skuId)) q = q.Where(l => l.SkuId == skuId);
        if (!string.IsNullOrEmpty(regionId)) q = q.Where(l => l.RegionId == regionId);
        return await q.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id).Skip(skip).Take(Math.Clamp(take, 1, 200)).ToListAsync(ct);
    }

    /// <summary>One of the tenant's leases with its allocations, amendments and timeline; null for anyone else's.</summary>
    public async Task<Lease?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<Lease>().AsNoTracking().AsSplitQuery()
            .Include(l => l.Allocations.OrderBy(a => a.Start).ThenBy(a => a.NodeId))
            .Include(l => l.Amendments.OrderBy(a => a.CreatedAt))
            .Include(l => l.Offers.OrderBy(o => o.ProposedAt))
            .Include(l => l.Events.OrderBy(e => e.At).ThenBy(e => e.Id))
            .FirstOrDefaultAsync(l => l.Id == id, ct);
    }

    /// <summary>
    /// The signed agreement's PDF (the original, or an amendment's), or null: the stored one, or, before
    /// <see cref="AgreementPdfJob"/> stored it, the same bytes rendered now from the signed terms.
    /// </summary>
    public async Task<LeaseDocument?> GetDocumentAsync(Guid leaseId, Guid? amendmentId = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var documents = db.Set<LeaseDocument>().AsNoTracking().Where(d => d.LeaseId == leaseId && d.AmendmentId == amendmentId);
        // Leases signed before the terms were stored have their PDF only; it is what they signed.
        return await documents.FirstOrDefaultAsync(d => d.FileName.EndsWith(SignedTerms.PdfExtension), ct)
            ?? (await documents.FirstOrDefaultAsync(d => d.FileName.EndsWith(SignedTerms.JsonExtension), ct) is { } terms
                ? AgreementPdfJob.PdfOf(terms) : null);
    }

    /// <summary>The signed terms (canonical JSON) whose SHA-256 the lease or amendment records, or null (signed before they were stored).</summary>
    public async Task<LeaseDocument?> GetSignedTermsAsync(Guid leaseId, Guid? amendmentId = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<LeaseDocument>().AsNoTracking()
            .FirstOrDefaultAsync(d => d.LeaseId == leaseId && d.AmendmentId == amendmentId && d.FileName.EndsWith(SignedTerms.JsonExtension), ct);
    }
}
