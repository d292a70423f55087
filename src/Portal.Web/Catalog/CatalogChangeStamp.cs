using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Web.Catalog;

/// <summary>
/// One small read that changes whenever anything a public catalog page shows changes, in any process sharing the database:
/// the pools' versions (every hold, signature, cancellation, release, lifecycle step and node state change bumps its pool's,
/// <c>PoolTransaction</c>/<c>PoolVersion</c>), how many pools, nodes and regions there are (nodes added by Support or the
/// pool's sync), and the catalog edits Support makes (SKUs, prices, models, regions, nodes), each audited in the same
/// SaveChanges as the edit. What time changes on its own (a hold lapsing, the hour turning) is
/// <see cref="ValidUntilAsync"/>'s part.
/// </summary>
public sealed class CatalogChangeStamp(IDbContextFactory<PortalDbContext> dbFactory)
{
    // Plain SQL both providers read alike ("quoted" names, ||, CAST AS TEXT): one round trip, no EF query pipeline. The catalog
    // targets' audit rows are found through the (TargetType, TargetId) index.
    private const string CatalogTargets = $"'{CatalogActions.SkuTarget}', '{CatalogActions.ModelTarget}', '{CatalogActions.RegionTarget}', " +
        $"'{CatalogActions.NodeTarget}'";

    private const string Sql =
        "SELECT CAST(COALESCE((SELECT SUM(\"Version\") FROM \"CapacityPools\"), 0) AS TEXT) || '.' || " +
        "CAST((SELECT COUNT(*) FROM \"CapacityPools\") AS TEXT) || '.' || " +
        "CAST((SELECT COUNT(*) FROM \"Nodes\") AS TEXT) || '.' || " +
        "CAST((SELECT COUNT(*) FROM \"Regions\") AS TEXT) || '.' || " +
        $"CAST((SELECT COUNT(*) FROM \"AuditEvents\" WHERE \"TargetType\" IN ({CatalogTargets})) AS TEXT) || '.' || " +
        $"CAST(COALESCE((SELECT MAX(\"Id\") FROM \"AuditEvents\" WHERE \"TargetType\" IN ({CatalogTargets})), 0) AS TEXT)";

    /// <summary>The stamp now; equal stamps mean nothing a catalog page shows has changed in between (time aside).</summary>
    public async Task<string> ReadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        return Convert.ToString(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>
    /// Until when a page rendered at <paramref name="now"/> stays true with an unchanged stamp: the next hour (calendars count
    /// from this hour, "free today" from today) or the first counted hold's expiry, whichever comes first.
    /// </summary>
    public async Task<DateTime> ValidUntilAsync(DateTime now, CancellationToken ct)
    {
        var nextHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc).AddHours(1);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var firstExpiry = await db.Allocations.Where(a => a.Status == AllocationStatus.Held && a.HoldExpiresAt > now)
            .MinAsync(a => a.HoldExpiresAt, ct);
        return firstExpiry is { } expiry && expiry < nextHour ? expiry : nextHour;
    }
}
