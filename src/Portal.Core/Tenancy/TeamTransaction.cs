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
            return new Gated(await db.Database.BeginTransactionAsync(ct), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>The transaction, giving the gate back once it commits, rolls back or is disposed.</summary>
    private sealed class Gated(IDbContextTransaction inner, SemaphoreSlim gate) : IDbContextTransaction
    {
        private int released;

        public Guid TransactionId => inner.TransactionId;
        public bool SupportsSavepoints => inner.SupportsSavepoints;
        public void Commit() { try { inner.Commit(); } finally { Release(); } }
        public async Task CommitAsync(CancellationToken ct = default) { try { await inner.CommitAsync(ct); } finally { Release(); } }
        public void Rollback() { try { inner.Rollback(); } finally { Release(); } }
        public async Task RollbackAsync(CancellationToken ct = default) { try { await inner.RollbackAsync(ct); } finally { Release(); } }
        public void CreateSavepoint(string name) => inner.CreateSavepoint(name);
        public Task CreateSavepointAsync(string name, CancellationToken ct = default) => inner.CreateSavepointAsync(name, ct);
        public void RollbackToSavepoint(string name) => inner.RollbackToSavepoint(name);
        public Task RollbackToSavepointAsync(string name, CancellationToken ct = default) => inner.RollbackToSavepointAsync(name, ct);
        public void ReleaseSavepoint(string name) => inner.ReleaseSavepoint(name);
        public Task ReleaseSavepointAsync(string name, CancellationToken ct = default) => inner.ReleaseSavepointAsync(name, ct);
        public void Dispose() { try { inner.Dispose(); } finally { Release(); } }
        public async ValueTask DisposeAsync() { try { await inner.DisposeAsync(); } finally { Release(); } }

        private void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) gate.Release();
        }
    }
}
