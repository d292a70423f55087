using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

/// <summary>
/// How every change of a lease ends, whoever makes it (a member, Support or a job), once the change is made under
/// the pool lock: the lease's version moves on (a concurrent writer's save fails), the pool's version too when
/// capacity was freed or taken, then save, commit, and only then open pages are woken. A concurrent writer surfaces
/// as <see cref="Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException"/> before anything is committed or published.
/// </summary>
internal static class LeaseCommit
{
    public static async Task SaveAsync(PortalDbContext db, IDbContextTransaction tx, Notifier notifier, Lease lease,
        bool capacityChanged, bool notified, CancellationToken ct)
    {
        lease.Version++;
        if (capacityChanged) await PoolTransaction.BumpAsync(db, lease.RegionId, lease.SkuId, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        notifier.AfterCommit(lease.TenantId, lease.Id, notified);
    }
}
