using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// The one way to change allocations: a transaction no concurrent writer can interleave. On SQLite
/// <c>BeginTransaction</c> issues <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's default), taking the
/// single write lock before anything is read; on PostgreSQL the pool's row of that region and SKU is
/// locked first (<c>FOR UPDATE</c>), so every placement in that pool waits its turn and then reads
/// committed data. A database trigger checks the invariant again on every allocation written.
/// </summary>
public static class PoolTransaction
{
    public static async Task<IDbContextTransaction> BeginAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct = default)
    {
        var postgres = db.Database.IsNpgsql();
        if (postgres)
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO \"CapacityPools\" (\"RegionId\", \"SkuId\", \"Version\") VALUES ({regionId}, {skuId}, 0) ON CONFLICT DO NOTHING", ct);
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            if (postgres)
                await db.Database.ExecuteSqlAsync(
                    $"SELECT 1 FROM \"CapacityPools\" WHERE \"RegionId\" = {regionId} AND \"SkuId\" = {skuId} FOR UPDATE", ct);
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }
}
