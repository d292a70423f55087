using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Capacity;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

/// <summary>
/// What a tenant's members do with leases: check, quote (hold), sign, cancel, release, extend. One per
/// request or circuit; every change runs in a <see cref="PoolTransaction"/> and is refused with a
/// <see cref="LeaseException"/> that says why, changing nothing.
/// </summary>
public sealed partial class LeaseService(
    IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditOrigin origin, AuditLog audit,
    TimeProvider time, IOptions<LeaseOptions> options, Notifier notifier, LeaseScheduler scheduler, IOptions<Spend.SpendOptions> spendOptions,
    QuoteRateLimiter quoteLimiter)
{
    private readonly CapacityPlanner _planner = new();
    private LeaseOptions Options => options.Value;
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
            .Include(l => l.Events.OrderBy(e => e.At).ThenBy(e => e.Id))
            .FirstOrDefaultAsync(l => l.Id == id, ct);
    }

    /// <summary>The signed agreement's PDF (the original, or an amendment's), or null.</summary>
    public async Task<LeaseDocument?> GetDocumentAsync(Guid leaseId, Guid? amendmentId = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<LeaseDocument>().AsNoTracking()
            .FirstOrDefaultAsync(d => d.LeaseId == leaseId && d.AmendmentId == amendmentId, ct);
    }

    private async Task EnsureRoleAsync(TenantRole role, string what, CancellationToken ct)
    {
        await tenant.RefreshAsync(dbFactory, ct); // an open page acts with the role its member has now
        if (tenant.TenantId is null) throw LeaseException.Forbidden("Choose or create an organisation first.");
        if (!tenant.HasRole(role))
            throw LeaseException.Forbidden($"Your role ({tenant.Role}) cannot {what}; ask an {(role == TenantRole.Member ? "Owner, Admin or Member" : "Owner or Admin")} of {tenant.TenantName}.");
    }

    private async Task EnsureCanSpendAsync(PortalDbContext db, CancellationToken ct)
    {
        try { await tenant.EnsureCanSpendAsync(db, ct); }
        catch (TenantActionRefusedException e) { throw new LeaseException("tenant_suspended", e.Message, 403); }
    }

    private void EnsureCanSpend(TenantState? state, string? suspendedReason)
    {
        try { tenant.EnsureCanSpend(state, suspendedReason); }
        catch (TenantActionRefusedException e) { throw new LeaseException("tenant_suspended", e.Message, 403); }
    }

    private static LeaseEvent Event(Lease lease, DateTime at, string message, string? actor) =>
        new() { TenantId = lease.TenantId, LeaseId = lease.Id, At = at, State = lease.State, Message = message, Actor = actor ?? "system" };

    /// <summary>Releases holds in a pool that expired by <paramref name="now"/>, so their capacity is free for this transaction.</summary>
    internal static Task<int> ReleaseExpiredHoldsAsync(PortalDbContext db, string regionId, string skuId, DateTime now, CancellationToken ct) =>
        db.Set<Allocation>()
            .Where(a => a.RegionId == regionId && a.SkuId == skuId && a.Status == AllocationStatus.Held && a.HoldExpiresAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AllocationStatus.Released), ct);
}
