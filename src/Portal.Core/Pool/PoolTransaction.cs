using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Pool;

/// <summary>
/// The one way to change allocations: a transaction no concurrent writer can interleave. On SQLite
/// <c>BeginTransaction</c> issues <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's default), taking the
/// single write lock before anything is read; on PostgreSQL the pool's row of that region and SKU is
/// locked first (<c>FOR UPDATE</c>), so every placement in that pool waits its turn and then reads
/// committed data. A database trigger checks the invariant again on every allocation written.
/// </summary>
public static class PoolTransaction
{
    /// <summary>How long a writer waits for its turn on SQLite, as Microsoft.Data.Sqlite's default command timeout.</summary>
    private static readonly TimeSpan SqliteWait = TimeSpan.FromSeconds(30);

    // One gate per SQLite database: its writers queue here asynchronously instead of in BEGIN IMMEDIATE,
    // which Microsoft.Data.Sqlite retries on SQLITE_BUSY with blocking sleeps (idle threads, slow turns).
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new();

    public static async Task<IDbContextTransaction> BeginAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct = default)
    {
        var postgres = db.Database.IsNpgsql();
        SemaphoreSlim? gate = null;
        if (!postgres)
        {
            gate = SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
            if (!await gate.WaitAsync(SqliteWait, ct))
                throw new TimeoutException($"Waited {SqliteWait.TotalSeconds:0} s for the database's write lock.");
        }
        IDbContextTransaction? tx = null;
        try
        {
            // A writer outside the gate (an autocommit update) may still hold SQLite's lock for a moment: let SQLite
            // wait for it with its own fine-grained backoff instead of Microsoft.Data.Sqlite's 150 ms sleeps. The
            // setting stays with the pooled connection, so later writers on it wait the same way.
            if (!postgres) await db.Database.ExecuteSqlRawAsync("PRAGMA busy_timeout = 30000;", ct);
            tx = await db.Database.BeginTransactionAsync(ct);
            // The pool's row is created the first time (inside the transaction: a concurrent creator waits for it).
            if (postgres && !await LockPoolRowAsync(db, regionId, skuId, ct))
            {
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO \"CapacityPools\" (\"RegionId\", \"SkuId\", \"Version\") VALUES ({regionId}, {skuId}, 0) ON CONFLICT DO NOTHING", ct);
                if (!await LockPoolRowAsync(db, regionId, skuId, ct)) throw new InvalidOperationException($"No lock row for pool {regionId}/{skuId}.");
            }
            return gate is null ? tx : new GatedTransaction(tx, gate);
        }
        catch
        {
            if (tx is not null) await tx.DisposeAsync();
            gate?.Release();
            throw;
        }
    }

    /// <summary>Counts a change to a pool's capacity, so a cached view of it can tell it is stale.</summary>
    internal static async Task BumpAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) return; // the lock already counted it (one round trip for both)
        var updated = await db.Set<CapacityPool>().Where(p => p.RegionId == regionId && p.SkuId == skuId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Version, p => p.Version + 1), ct);
        if (updated == 0) db.Set<CapacityPool>().Add(new CapacityPool { RegionId = regionId, SkuId = skuId, Version = 1 });
    }

    // Locks the pool's row and counts the change in one statement: an UPDATE takes the same row lock as FOR UPDATE.
    // A transaction that then changes nothing has bumped the version needlessly, which only makes a cached view reload.
    private static async Task<bool> LockPoolRowAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct) =>
        (await db.Database.SqlQuery<int>(
            $"UPDATE \"CapacityPools\" SET \"Version\" = \"Version\" + 1 WHERE \"RegionId\" = {regionId} AND \"SkuId\" = {skuId} RETURNING 1 AS \"Value\"").ToListAsync(ct)).Count > 0;
}
