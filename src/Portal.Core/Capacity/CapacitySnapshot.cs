using Microsoft.EntityFrameworkCore;
using Portal.Core.Capacity;
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
    /// before inserting, since the database trigger counts them): one read instead of a release on every hold.
    /// </summary>
    public static async Task<(CapacityView View, bool ExpiredHolds)> ViewForHoldAsync(PortalDbContext db, string regionId, string skuId,
        DateTime from, DateTime to, DateTime now, CancellationToken ct)
    {
        var nodes = await NodesAsync(db, regionId, skuId, ct);
        var rows = await db.Set<Allocation>().AsNoTracking()
            .Where(a => a.RegionId == regionId && a.SkuId == skuId && a.Status != AllocationStatus.Released && a.End > from && a.Start < to)
            .Select(a => new { a.NodeId, a.Gpus, a.Start, a.End, Expired = a.Status == AllocationStatus.Held && a.HoldExpiresAt <= now })
            .ToListAsync(ct);
        var live = rows.Where(a => !a.Expired).Select(a => new PlannerAllocation(a.NodeId, a.Gpus, a.Start, a.End)).ToList();
        return (CapacityView.FromSnapshot(nodes, live, from, (int)(to - from).TotalHours), live.Count < rows.Count);
    }

    /// <summary>SQLite hands DateTime back unspecified; everything here is UTC.</summary>
}
