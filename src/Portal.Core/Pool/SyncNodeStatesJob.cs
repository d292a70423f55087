using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Pool;

/// <summary>
/// Copies each node's state from the pool into the catalog, so the planner and the pages see maintenance and
/// failures: every minute, and every few seconds through <see cref="NodeHealthMonitor"/>. Only changed rows are
/// written; a second run changes nothing. A node that turned Failed gets a <see cref="NodeFailureJob"/>. Nodes the pool
/// reports in a region on its own driver (a Slurm cluster) that the catalog lacks are added first.
/// </summary>
public sealed class SyncNodeStatesJob(IGpuPoolDriver pool, IDbContextFactory<PortalDbContext> dbFactory, IBackgroundJobClient jobs,
    IOptions<PoolOptions> poolOptions, ILogger<SyncNodeStatesJob> logger)
{
    public const string RecurringId = "sync-node-states";

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var reportedNodes = await pool.ListNodesAsync(ct);
        var reported = reportedNodes.DistinctBy(n => n.Id).ToDictionary(n => n.Id, n => n.State);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var added = await PoolRegionCatalog.AddReportedNodesAsync(db, reportedNodes, poolOptions.Value, logger, ct);
        var nodes = await db.Nodes.ToListAsync(ct);
        var failed = new List<string>();
        var changed = added.Count;
        var changedPools = new HashSet<(string Region, string Sku)>();
        foreach (var node in nodes)
        {
            if (!reported.TryGetValue(node.Id, out var state) || state == node.State) continue;
            logger.LogInformation("Node {Node} is now {State} (was {Previous})", node.Id, state, node.State);
            node.State = state;
            changedPools.Add((node.RegionId, node.SkuId));
            changed++;
            if (state == NodeState.Failed) failed.Add(node.Id);
        }
        await db.SaveChangesAsync(ct);
        foreach (var (region, sku) in changedPools) await PoolVersion.BumpAsync(db, region, sku, ct);
        // After the save, so that the job reads the node as Failed.
        foreach (var nodeId in failed) jobs.Enqueue<NodeFailureJob>(j => j.RunAsync(nodeId, CancellationToken.None));
        return changed;
    }
}
