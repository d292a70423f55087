using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// Support's view into every tenant's leases: the approval queue, search and one lease opened. Only the admin pages
/// use it; it lifts the tenant filter (<see cref="PortalDbContext.ActAsSupport"/>) and writes every opened lease to
/// the audit log. Decisions are <see cref="LeaseAdminDecisions"/>.
/// </summary>
public sealed class LeaseAdminQueries(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Leases waiting for Support's decision, the longest waiting first.</summary>
    public async Task<List<AdminLeaseRow>> ApprovalQueueAsync(int take = 50, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var rows = await Rows(db, db.Leases.AsNoTracking().Where(l => l.State == LeaseState.PendingApproval))
            .OrderBy(r => r.Lease.SignedAt).ThenBy(r => r.Lease.Id).Take(Math.Clamp(take, 1, 200)).ToListAsync(ct);
        return [.. rows.Select(r => r.ToRow(Now))];
    }

    /// <summary>Every tenant's leases, newest first, filtered by state, tenant, SKU and region.</summary>
    public async Task<PagedResult<AdminLeaseRow>> SearchAsync(AdminLeaseQuery query, CancellationToken ct = default)
    {
        var (page, pageSize) = PagedResult<AdminLeaseRow>.Clamp(query.Page, query.PageSize);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var now = Now;
        var leases = db.Leases.AsNoTracking();
        if (query.State is { } s) leases = s == LeaseState.Expired
            ? leases.Where(l => l.State == LeaseState.Expired || (l.State == LeaseState.Held && l.HoldExpiresAt <= now))
            : s == LeaseState.Held
                ? leases.Where(l => l.State == LeaseState.Held && l.HoldExpiresAt > now)
                : leases.Where(l => l.State == s);
        if (query.TenantId is { } tenantId) leases = leases.Where(l => l.TenantId == tenantId);
        if (!string.IsNullOrWhiteSpace(query.SkuId)) leases = leases.Where(l => l.SkuId == query.SkuId);
        if (!string.IsNullOrWhiteSpace(query.RegionId)) leases = leases.Where(l => l.RegionId == query.RegionId);
        if (query.Tenant?.Trim() is { Length: > 0 } raw)
        {
            var tenants = db.Tenants.Matching(raw).Select(t => t.Id);
            leases = leases.Where(l => tenants.Contains(l.TenantId));
        }
        var rows = Rows(db, leases);
        var total = await rows.CountAsync(ct);
        var items = await rows.OrderByDescending(r => r.Lease.CreatedAt).ThenByDescending(r => r.Lease.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new([.. items.Select(r => r.ToRow(now))], total, page, pageSize);
    }

    /// <summary>One lease with everything about it, or null. Audited as <c>lease.viewed</c>: Support crossed into a tenant.</summary>
    public async Task<AdminLeaseDetail?> OpenAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var lease = await db.Leases.AsNoTracking().AsSplitQuery()
            .Include(l => l.Allocations.OrderBy(a => a.Start).ThenBy(a => a.NodeId))
            .Include(l => l.Amendments.OrderBy(a => a.CreatedAt))
            .Include(l => l.Events.OrderBy(e => e.At).ThenBy(e => e.Id))
            .FirstOrDefaultAsync(l => l.Id == leaseId, ct);
        if (lease is null) return null;
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == lease.TenantId).Select(t => new { t.Name, t.Slug }).FirstAsync(ct);
        var sku = await db.GpuSkus.Where(s => s.Id == lease.SkuId).Select(s => s.Name).FirstOrDefaultAsync(ct) ?? lease.SkuId;
        var region = await db.Regions.Where(r => r.Id == lease.RegionId).Select(r => r.Name).FirstOrDefaultAsync(ct) ?? lease.RegionId;

        await audit.AddViewAsync(db, LeaseAdminActions.Viewed, LeaseAdminActions.LeaseTarget, leaseId.ToString(), LeaseAdminActions.Describe(lease),
            lease.TenantId, ct);
        return new AdminLeaseDetail(lease, tenant.Name, tenant.Slug, sku, region, LeaseShownState.Of(lease.State, lease.HoldExpiresAt, Now));
    }

    /// <summary>The regions and SKUs leases can be in (retired ones too: old leases name them), for the filters.</summary>
    public async Task<(List<(string Id, string Name)> Regions, List<(string Id, string Name)> Skus)> FilterChoicesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var regions = await db.Regions.AsNoTracking().OrderBy(r => r.Id).Select(r => new { r.Id, r.Name }).ToListAsync(ct);
        var skus = await db.GpuSkus.AsNoTracking().OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        return ([.. regions.Select(r => (r.Id, r.Name))], [.. skus.Select(s => (s.Id, s.Name))]);
    }

    private static IQueryable<LeaseWithTenant> Rows(PortalDbContext db, IQueryable<Lease> leases) =>
        from l in leases
        join t in db.Tenants on l.TenantId equals t.Id
        select new LeaseWithTenant { Lease = l, TenantName = t.Name };

    private sealed class LeaseWithTenant
    {
        public required Lease Lease { get; init; }
        public required string TenantName { get; init; }

        public AdminLeaseRow ToRow(DateTime now) => new(Lease.Id, Lease.TenantId, TenantName, Lease.RegionId, Lease.SkuId, Lease.Gpus,
            Lease.Start, Lease.End, LeaseShownState.Of(Lease.State, Lease.HoldExpiresAt, now),
            Lease.Degraded, Lease.PriceMicros, Lease.CreatedAt,
            Lease.SignedAt is { } signed ? signed : null, Lease.SignerName);
    }
}
