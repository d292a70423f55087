using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>
/// Changes to one organisation's people run one at a time, so rules that read the whole team ("keep an Owner",
/// "not already invited") hold under concurrent requests: on PostgreSQL the tenant's row is locked first
/// (<c>FOR UPDATE</c>; later reads see what the previous writer committed), on SQLite <c>BEGIN IMMEDIATE</c> takes the
/// single write lock before anything is read (Microsoft.Data.Sqlite's default for <c>BeginTransaction</c>).
/// </summary>
public static class TeamTransaction
{
    private static readonly TimeSpan SqliteWait = TimeSpan.FromSeconds(30);
    // Writers of one SQLite database queue here asynchronously rather than in SQLite's blocking busy loop.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new();

    /// <summary>Begins the transaction and takes the organisation's turn (waits for a concurrent change to commit).</summary>
    public static async Task<IDbContextTransaction> BeginAsync(PortalDbContext db, Guid tenantId, CancellationToken ct = default)
    {
        if (db.Database.IsNpgsql())
        {
            var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                await db.Database.SqlQuery<Guid>($"SELECT \"Id\" AS \"Value\" FROM \"Tenants\" WHERE \"Id\" = {tenantId} FOR UPDATE").ToListAsync(ct);
                return tx;
            }
            catch
            {
                await tx.DisposeAsync();
                throw;
            }
        }

        var gate = SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(SqliteWait, ct))
            throw new TimeoutException($"Waited {SqliteWait.TotalSeconds:0} s for the database's write lock.");
        try
        {
            // Other writers (leases, jobs) take the lock outside this gate: let SQLite wait for them itself.
            await db.Database.ExecuteSqlRawAsync("PRAGMA busy_timeout = 30000;", ct);
            return new GatedTransaction(await db.Database.BeginTransactionAsync(ct), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }
}
