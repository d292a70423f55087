using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>
/// What signing reads, in one round trip under the pool's lock (taken first, found from the lease id): the lease and its
/// allocations (tracked: they are changed), the organisation's name and state, the agreement's names, the signer's email,
/// and who is notified (the organisation's Owners and Admins). Read once, under the lock, nothing can change between the
/// read and the signed terms built from it.
/// </summary>
internal sealed class LeaseSignFacts
{
    public required Lease Lease { get; init; }
    public string? TenantName { get; init; }
    public TenantState? TenantState { get; init; }
    public string? SuspendedReason { get; init; }
    public string? RegionName { get; init; }
    public string? SkuName { get; init; }
    public string? Email { get; init; }
    /// <summary>As <see cref="Notifications.Notifier.RecipientsAsync"/> without its extra user: memberships are unique per user.</summary>
    public List<string> Recipients { get; init; } = [];
    /// <summary>The lease's allocations, tracked (EF also puts them in <see cref="Lease.Allocations"/>).</summary>
    public List<Allocation> Allocations { get; init; } = [];

    /// <summary>The facts, tracked; null when there is no such lease (the tenant filter applies: another organisation's lease is not found).</summary>
    public static Task<LeaseSignFacts?> ReadLockedAsync(PortalDbContext db, Guid leaseId, string? userId, CancellationToken ct) =>
        Compiled(db, leaseId, userId, ct);

    // Compiled: every signing runs it under the pool's lock, and building the expression tree and finding it in EF's query
    // cache cost more of the portal's CPU than running it. Memberships apply the tenant filter as the lease does, so the
    // lease's own organisation's members are read (the tenant filter lets only its leases through).
    private static readonly Func<PortalDbContext, Guid, string?, CancellationToken, Task<LeaseSignFacts?>> Compiled =
        EF.CompileAsyncQuery((PortalDbContext db, Guid leaseId, string? userId, CancellationToken ct) =>
            db.Set<Lease>().Where(l => l.Id == leaseId).Select(l => new LeaseSignFacts
            {
                Lease = l,
                Allocations = l.Allocations.ToList(),
                TenantName = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.Name).FirstOrDefault(),
                TenantState = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => (TenantState?)t.State).FirstOrDefault(),
                SuspendedReason = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.SuspendedReason).FirstOrDefault(),
                RegionName = db.Regions.Where(r => r.Id == l.RegionId).Select(r => r.Name).FirstOrDefault(),
                SkuName = db.GpuSkus.Where(s => s.Id == l.SkuId).Select(s => s.Name).FirstOrDefault(),
                Email = db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefault(),
                Recipients = db.Memberships.Where(m => m.TenantId == l.TenantId && (m.Role == TenantRole.Owner || m.Role == TenantRole.Admin))
                    .Select(m => m.UserId).ToList(),
            }).FirstOrDefault());
}
