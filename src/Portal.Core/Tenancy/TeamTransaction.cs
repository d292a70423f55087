using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>
/// Changes to one organisation's people run one at a time, so rules that read the whole team ("keep an Owner",
/// "not already invited") hold under concurrent requests: the transaction holds the organisation's turn
/// (<see cref="PortalLocks.BeginTeamAsync"/>), and later reads see what the previous writer committed.
/// </summary>
public static class TeamTransaction
{
    /// <summary>Begins the transaction and takes the organisation's turn (waits for a concurrent change to commit).</summary>
    public static Task<IDbContextTransaction> BeginAsync(PortalDbContext db, Guid tenantId, CancellationToken ct = default) =>
        db.Locks.BeginTeamAsync(db, tenantId, ct);
}
