using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Pool;

/// <summary>
/// Every minute: copies each node's state from the pool into the catalog, so the planner and the pages
/// see maintenance and failures. Only changed rows are written; a second run changes nothing.
/// </summary>
public sealed class SyncNodeStatesJob(IGpuPoolDriver pool, IDbContextFactory<PortalDbContext> dbFactory, ILogger<SyncNodeStatesJob> logger)
{
    public const string RecurringId = "sync-node-states";

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var reported = (await pool.ListNodesAsync(ct)).ToDictionary(n => n.Id, n => n.State);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = await db.Nodes.ToListAsync(ct);
        var changed = 0;
        foreach (var node in nodes)
        {
            if (!reported.TryGetValue(node.Id, out var state) || state == node.State) continue;
            logger.LogInformation("Node {Node} is now {State} (was {Previous})", node.Id, state, node.State);
            node.State = state;
            changed++;
        }
        await db.SaveChangesAsync(ct);
        return changed;
    }
}
