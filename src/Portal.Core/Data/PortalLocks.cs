using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Core.Data;

/// <summary>
/// Every lock the portal takes in its database, for both providers: a pool's turn (placements), an organisation's turn
/// (its people) and an organisation's limits. On PostgreSQL a lock is a row lock taken first in the transaction
/// (<c>FOR UPDATE</c>, or an UPDATE, which locks the same way), so later reads see what the previous holder committed.
/// On SQLite <c>BeginTransaction</c> issues <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's default) and takes the
/// database's single write lock before anything is read; a row lock would add nothing there.
/// One instance per portal (a DI singleton that every <see cref="PortalDbContext"/> is given): the in-process SQLite
/// gates belong to it, so two portals in one process (two test hosts) never share them.
/// </summary>
public sealed class PortalLocks
{
    /// <summary>How long a SQLite writer waits for its turn, as Microsoft.Data.Sqlite's default command timeout.</summary>
    private const int SqliteWaitMilliseconds = 30_000;

    private static readonly TimeSpan SqliteWait = TimeSpan.FromMilliseconds(SqliteWaitMilliseconds);

    // A writer outside the gate (an autocommit update, a job) may still hold SQLite's lock for a moment: let SQLite wait
    // for it with its own fine-grained backoff instead of Microsoft.Data.Sqlite's 150 ms sleeps. The setting stays with
    // the pooled connection, so later writers on it wait the same way.
    private static readonly string SqliteBusyTimeout = $"PRAGMA busy_timeout = {SqliteWaitMilliseconds};";

    // One gate per SQLite database, shared by every kind of lock because SQLite has one writer per database: its writers
    // queue here asynchronously instead of in BEGIN IMMEDIATE, which Microsoft.Data.Sqlite retries on SQLITE_BUSY with
    // blocking sleeps (idle threads, slow turns). No caller holds one turn while taking another, so one gate cannot deadlock.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> sqliteGates = new();

    /// <summary>
    /// Begins a transaction that holds the pool's turn (region and SKU): no concurrent writer of that pool interleaves.
    /// On PostgreSQL the pool's <c>CapacityPools</c> row is locked and its version counted in one statement (the row is
    /// created the first time, inside the transaction, so a concurrent creator waits for it).
    /// </summary>
    public Task<IDbContextTransaction> BeginPoolAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct = default) =>
        db.Database.IsNpgsql()
            ? BeginLockedAsync(db, () => LockPoolRowOrCreateAsync(db, regionId, skuId, ct), ct)
            : BeginSqliteAsync(db, ct);

    /// <summary>
    /// As <see cref="BeginPoolAsync"/>, then also the organisation's turn (<see cref="LockTenantAsync"/>), in the same
    /// round trip on PostgreSQL: the pool's row is locked by the UPDATE and only then the organisation's by its RETURNING,
    /// so the order (pool, then organisation) is the one every other locker keeps.
    /// </summary>
    public Task<IDbContextTransaction> BeginPoolAndTenantAsync(PortalDbContext db, string regionId, string skuId, Guid tenantId,
        CancellationToken ct = default) =>
        db.Database.IsNpgsql()
            ? BeginLockedAsync(db, async () =>
            {
                if (await LockPoolRowAsync(db, regionId, skuId, tenantId, ct)) return;
                await LockPoolRowOrCreateAsync(db, regionId, skuId, ct); // the pool's first lease: its row is made, then locked
                await LockTenantAsync(db, tenantId, ct);
            }, ct)
            : BeginSqliteAsync(db, ct);

    /// <summary>
    /// Begins a transaction that holds the turn of the pool an organisation's lease is in, found from the lease in the
    /// same statement (no read of the lease before the lock); false when the organisation has no such lease (then the
    /// transaction is rolled back and disposed). On SQLite the database's single write lock, as for any pool.
    /// </summary>
    public async Task<IDbContextTransaction?> BeginPoolOfLeaseAsync(PortalDbContext db, Guid leaseId, Guid tenantId, CancellationToken ct = default)
    {
        if (!db.Database.IsNpgsql()) return await BeginSqliteAsync(db, ct);
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            // A lease's pool row exists from its quote on, and its region and SKU never change.
            var locked = await db.Database.SqlQuery<int>(
                $"""
                UPDATE "CapacityPools" SET "Version" = "Version" + 1
                WHERE ("RegionId", "SkuId") = (SELECT "RegionId", "SkuId" FROM "Leases" WHERE "Id" = {leaseId} AND "TenantId" = {tenantId})
                RETURNING 1 AS "Value"
                """).ToListAsync(ct);
            if (locked.Count > 0) return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
        await tx.DisposeAsync();
        return null;
    }

    /// <summary>Begins a transaction that holds the organisation's turn (waits for a concurrent change of it to commit).</summary>
    public Task<IDbContextTransaction> BeginTeamAsync(PortalDbContext db, Guid tenantId, CancellationToken ct = default) =>
        db.Database.IsNpgsql()
            ? BeginLockedAsync(db, () => LockTenantAsync(db, tenantId, ct), ct)
            : BeginSqliteAsync(db, ct);

    /// <summary>
    /// Inside a transaction begun here, also takes one organisation's turn, e.g. to check its limits in a pool's turn.
    /// Take it after the pool's, never before, so no two transactions wait on each other. On SQLite nothing to do: the
    /// transaction already holds the database's single write lock.
    /// </summary>
    public async Task LockTenantAsync(PortalDbContext db, Guid tenantId, CancellationToken ct = default)
    {
        if (db.Database.IsNpgsql())
            await db.Database.SqlQuery<Guid>($"SELECT \"Id\" AS \"Value\" FROM \"Tenants\" WHERE \"Id\" = {tenantId} FOR UPDATE").ToListAsync(ct);
    }

    /// <summary>
    /// Inside a transaction begun here, takes several organisations' turns, in id order like any other locker (so two
    /// such transactions cannot wait on each other). On SQLite nothing to do, as for <see cref="LockTenantAsync"/>.
    /// </summary>
    public async Task LockTenantsAsync(PortalDbContext db, IEnumerable<Guid> tenantIds, CancellationToken ct = default)
    {
        if (!db.Database.IsNpgsql()) return;
        var ids = tenantIds.ToArray();
        await db.Database.SqlQuery<Guid>($"SELECT \"Id\" AS \"Value\" FROM \"Tenants\" WHERE \"Id\" = ANY({ids}) ORDER BY \"Id\" FOR UPDATE")
            .ToListAsync(ct);
    }

    private async Task<IDbContextTransaction> BeginSqliteAsync(PortalDbContext db, CancellationToken ct)
    {
        var gate = sqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(SqliteWait, ct))
            throw new TimeoutException($"Waited {SqliteWait.TotalSeconds:0} s for the database's write lock.");
        try
        {
            await db.Database.ExecuteSqlRawAsync(SqliteBusyTimeout, ct);
            return new GatedTransaction(await db.Database.BeginTransactionAsync(ct), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static async Task<IDbContextTransaction> BeginLockedAsync(PortalDbContext db, Func<Task> takeLock, CancellationToken ct)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await takeLock();
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    private static async Task LockPoolRowOrCreateAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct)
    {
        if (await LockPoolRowAsync(db, regionId, skuId, ct)) return;
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO \"CapacityPools\" (\"RegionId\", \"SkuId\", \"Version\") VALUES ({regionId}, {skuId}, 0) ON CONFLICT DO NOTHING", ct);
        if (!await LockPoolRowAsync(db, regionId, skuId, ct)) throw new InvalidOperationException($"No lock row for pool {regionId}/{skuId}.");
    }

    // The pool's row as below, then the organisation's row in the UPDATE's RETURNING (evaluated after the pool's row is
    // locked); false, with neither locked, when the pool has no row yet.
    private static async Task<bool> LockPoolRowAsync(PortalDbContext db, string regionId, string skuId, Guid tenantId, CancellationToken ct) =>
        (await db.Database.SqlQuery<int>(
            $"""
            UPDATE "CapacityPools" SET "Version" = "Version" + 1 WHERE "RegionId" = {regionId} AND "SkuId" = {skuId}
            RETURNING COALESCE((SELECT 1 FROM "Tenants" WHERE "Id" = {tenantId} FOR UPDATE), 0) AS "Value"
            """).ToListAsync(ct)).Count > 0;

    // Locks the pool's row and counts the change in one statement: an UPDATE takes the same row lock as FOR UPDATE.
    // A transaction that then changes nothing has bumped the version needlessly, which only makes a cached view reload.
    private static async Task<bool> LockPoolRowAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct) =>
        (await db.Database.SqlQuery<int>(
            $"UPDATE \"CapacityPools\" SET \"Version\" = \"Version\" + 1 WHERE \"RegionId\" = {regionId} AND \"SkuId\" = {skuId} RETURNING 1 AS \"Value\"")
            .ToListAsync(ct)).Count > 0;
}
