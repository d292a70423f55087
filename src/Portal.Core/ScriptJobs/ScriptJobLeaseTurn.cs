using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A transaction that holds one lease's turn for its jobs: launches into the same lease wait for each other, so the
/// open-jobs cap, the launch key and the submission order (<see cref="ScriptJob.Sequence"/>, max + 1) are read on
/// committed data and never taken twice. On PostgreSQL the lease's row is locked (<c>FOR UPDATE</c>, which lease changes
/// also wait for); on SQLite the database's single write lock is taken first, through the portal's own gate.
/// </summary>
public static class ScriptJobLeaseTurn
{
    public static async Task<IDbContextTransaction> BeginAsync(PortalDbContext db, Guid leaseId, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
            // The team's turn is the gate plus BEGIN IMMEDIATE on SQLite: the one write lock, whatever it is named.
            return await db.Locks.BeginTeamAsync(db, db.TenantFilterId ?? Guid.Empty, ct);
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await db.Database.SqlQuery<Guid>($"SELECT \"Id\" AS \"Value\" FROM \"Leases\" WHERE \"Id\" = {leaseId} FOR UPDATE").ToListAsync(ct);
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }
}
