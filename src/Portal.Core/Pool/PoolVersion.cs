using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Pool;

/// <summary>
/// Moves a pool's version on for a change made outside a pool transaction, such as a node's state: what is cached by
/// version (<see cref="Capacity.PoolFreeIndex"/>) must not outlive it. Inside a pool transaction use its own count instead.
/// </summary>
public static class PoolVersion
{
    public static async Task BumpAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct = default)
    {
        var updated = await db.Set<CapacityPool>().Where(p => p.RegionId == regionId && p.SkuId == skuId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Version, p => p.Version + 1), ct);
        if (updated > 0) return;
        try
        {
            await db.Set<CapacityPool>().AddAsync(new CapacityPool { RegionId = regionId, SkuId = skuId, Version = 1 }, ct);
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another writer created the row first: its change is counted, and so is ours once we bump it.
            db.ChangeTracker.Clear();
            await db.Set<CapacityPool>().Where(p => p.RegionId == regionId && p.SkuId == skuId)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Version, p => p.Version + 1), ct);
        }
    }
}
