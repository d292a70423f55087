using Microsoft.EntityFrameworkCore;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Capacity;

/// <summary>Loads what the planner needs for one pool and one window: its nodes and the allocations overlapping it.</summary>
public static class CapacitySnapshot
{
    public static Task<List<PlannerNode>> NodesAsync(PortalDbContext db, string regionId, string skuId, CancellationToken ct) =>
        db.Nodes.AsNoTracking().Where(n => n.RegionId == regionId && n.SkuId == skuId).OrderBy(n => n.Id)
            .Select(n => new PlannerNode(n.Id, n.RegionId, n.SkuId, n.GpuCount, n.State)).ToListAsync(ct);

    /// <summary>
    /// Allocations that take GPUs in [from, to): firm ones and holds not yet expired at <paramref name="now"/>
    /// (an expired hold is free at once, even before the sweep releases it).
    /// </summary>
    public static async Task<List<PlannerAllocation>> AllocationsAsync(PortalDbContext db, string regionId, string skuId,
        DateTime from, DateTime to, DateTime now, CancellationToken ct)
    {
        var rows = await db.Set<Allocation>().AsNoTracking()
            .Where(a => a.RegionId == regionId && a.SkuId == skuId && a.Status != AllocationStatus.Released
                        && a.End > from && a.Start < to
                        && (a.Status == AllocationStatus.Firm || a.HoldExpiresAt > now))
            .Select(a => new { a.NodeId, a.Gpus, a.Start, a.End }).ToListAsync(ct);
        return rows.Select(a => new PlannerAllocation(a.NodeId, a.Gpus, a.Start, a.End)).ToList();
    }

    public static async Task<CapacityView> ViewAsync(PortalDbContext db, string regionId, string skuId,
        DateTime from, DateTime to, DateTime now, CancellationToken ct)
    {
        var nodes = await NodesAsync(db, regionId, skuId, ct);
        var allocations = await AllocationsAsync(db, regionId, skuId, from, to, now, ct);
        return CapacityView.FromSnapshot(nodes, allocations, from, (int)(to - from).TotalHours);
    }

    /// <summary>
    /// The view a hold plans on, and whether expired holds still mark part of the window (the caller releases them
    /// before inserting, since the database trigger counts them): one read instead of a release on every hold. The nodes
    /// and their allocations in the window come in one round trip (a hold reads them under the pool's lock).
    /// </summary>
    public static async Task<(CapacityView View, bool ExpiredHolds)> ViewForHoldAsync(PortalDbContext db, string regionId, string skuId,
        DateTime from, DateTime to, DateTime now, CancellationToken ct)
    {
        var nodes = new List<PlannerNode>();
        var live = new List<PlannerAllocation>();
        var expired = false;
        await foreach (var n in CompiledNodesWithAllocations(db, regionId, skuId, from, to, now).WithCancellation(ct))
        {
            nodes.Add(new PlannerNode(n.Id, regionId, skuId, n.GpuCount, n.State));
            foreach (var a in n.Allocations)
                if (a.Expired) expired = true;
                else live.Add(new PlannerAllocation(n.Id, a.Gpus, a.Start, a.End));
        }
        return (CapacityView.FromSnapshot(nodes, live, from, (int)(to - from).TotalHours), expired);
    }

    private sealed record NodeRow(string Id, int GpuCount, NodeState State, List<AllocationRow> Allocations);

    private sealed record AllocationRow(int Gpus, DateTime Start, DateTime End, bool Expired);

    // Compiled: every quote runs it under the pool's lock, where EF's query-cache lookup would be held too.
    private static readonly Func<PortalDbContext, string, string, DateTime, DateTime, DateTime, IAsyncEnumerable<NodeRow>>
        CompiledNodesWithAllocations = EF.CompileAsyncQuery((PortalDbContext db, string regionId, string skuId, DateTime from, DateTime to, DateTime now) =>
            db.Nodes.AsNoTracking().Where(n => n.RegionId == regionId && n.SkuId == skuId).OrderBy(n => n.Id)
                .Select(n => new NodeRow(n.Id, n.GpuCount, n.State, db.Set<Allocation>()
                    .Where(a => a.RegionId == regionId && a.SkuId == skuId && a.NodeId == n.Id && a.Status != AllocationStatus.Released
                                && a.End > from && a.Start < to)
                    .Select(a => new AllocationRow(a.Gpus, a.Start, a.End, a.Status == AllocationStatus.Held && a.HoldExpiresAt <= now))
                    .ToList())));

    /// <summary>SQLite hands DateTime back unspecified; everything here is UTC.</summary>
}
