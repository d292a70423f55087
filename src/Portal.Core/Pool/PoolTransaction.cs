using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;

namespace Portal.Core.Pool;

/// <summary>
/// The one way to change allocations: a transaction that holds the pool's turn (<see cref="PortalLocks.BeginPoolAsync"/>),
/// so no concurrent writer of that region and SKU can interleave; every placement waits its turn and then reads
/// committed data. A database trigger checks the invariant again on every allocation written.
/// </summary>
public static class PoolTransaction
{
    /// <summary>Begins the pool's transaction with the locks of <paramref name="db"/>'s portal.</summary>
    public static Task<IDbContextTransaction> BeginAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct = default) =>
        db.Locks.BeginPoolAsync(db, regionId, skuId, ct);

    /// <summary>
    /// Begins the pool's transaction and takes the organisation's turn too (pool first, as <see cref="PortalLocks.LockTenantAsync"/>
    /// asks), in one round trip on PostgreSQL: for a new hold, whose limits are checked under both.
    /// </summary>
    public static Task<IDbContextTransaction> BeginWithTenantAsync(PortalDbContext db, string regionId, string skuId, Guid tenantId,
        CancellationToken ct = default) =>
        db.Locks.BeginPoolAndTenantAsync(db, regionId, skuId, tenantId, ct);

    /// <summary>Begins the transaction of the pool an organisation's lease is in; null when it has no such lease.</summary>
    public static Task<IDbContextTransaction?> BeginForLeaseAsync(PortalDbContext db, Guid leaseId, Guid tenantId, CancellationToken ct = default) =>
        db.Locks.BeginPoolOfLeaseAsync(db, leaseId, tenantId, ct);

    /// <summary>Counts a change to a pool's capacity, so a cached view of it can tell it is stale.</summary>
    internal static async Task BumpAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) return; // the pool's lock already counted it (one round trip for both)
        var updated = await db.Set<CapacityPool>().Where(p => p.RegionId == regionId && p.SkuId == skuId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Version, p => p.Version + 1), ct);
        if (updated == 0) db.Set<CapacityPool>().Add(new CapacityPool { RegionId = regionId, SkuId = skuId, Version = 1 });
    }
}
