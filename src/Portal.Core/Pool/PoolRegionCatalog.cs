using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Catalog;
using Portal.Core.Data;

namespace Portal.Core.Pool;

/// <summary>
/// The catalog side of regions on their own driver (a Slurm cluster): the region row the portal creates for a configured
/// region, and the nodes the pool reports there, which the catalog takes as they are (the simulator's nodes come from the
/// catalog instead). Only what is missing is added, so Support's later edits survive.
/// </summary>
public static class PoolRegionCatalog
{
    /// <summary>Adds a Region row for every configured region not on the simulator; its name is <c>Pool:Regions:{id}:Name</c>.</summary>
    public static async Task<int> AddRegionsAsync(PortalDbContext db, PoolOptions options, CancellationToken ct = default)
    {
        var own = options.Regions.Where(r => !IsSimulator(options, r.Key)).ToList();
        if (own.Count == 0) return 0;
        var ids = own.Select(r => r.Key).ToList();
        var existing = await db.Regions.Where(r => ids.Contains(r.Id)).Select(r => r.Id).ToListAsync(ct);
        var missing = own.Where(r => !existing.Contains(r.Key, StringComparer.OrdinalIgnoreCase)).ToList();
        db.Regions.AddRange(missing.Select(r => new Region { Id = r.Key, Name = r.Value.Name is { Length: > 0 } n ? n : r.Key }));
        await db.SaveChangesAsync(ct);
        return missing.Count;
    }

    /// <summary>
    /// Adds the nodes the pool reports in regions on their own driver that the catalog lacks (id, region, SKU, GPUs,
    /// state). A node whose region or SKU the catalog does not have is left out, with a warning. Not saved here.
    /// </summary>
    public static async Task<List<Node>> AddReportedNodesAsync(PortalDbContext db, IReadOnlyList<PoolNode> reported, PoolOptions options,
        ILogger logger, CancellationToken ct = default)
    {
        var candidates = reported.Where(n => !IsSimulator(options, n.Region)).ToList();
        if (candidates.Count == 0) return [];
        var ids = candidates.Select(n => n.Id).ToList();
        var known = (await db.Nodes.Where(n => ids.Contains(n.Id)).Select(n => n.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var fresh = candidates.Where(n => !known.Contains(n.Id)).DistinctBy(n => n.Id).ToList();
        if (fresh.Count == 0) return [];
        var regions = (await db.Regions.Select(r => r.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var skus = (await db.GpuSkus.Select(s => s.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var added = new List<Node>();
        foreach (var n in fresh)
        {
            if (!regions.Contains(n.Region) || !skus.Contains(n.Sku))
            {
                logger.LogWarning("The pool reports node {Node} in region {Region} of SKU {Sku}, which the catalog does not have: left out",
                    n.Id, n.Region, n.Sku);
                continue;
            }
            var node = new Node { Id = n.Id, RegionId = n.Region, SkuId = n.Sku, GpuCount = n.GpuCount, State = n.State };
            db.Nodes.Add(node);
            added.Add(node);
            logger.LogInformation("Node {Node} ({Gpus} × {Sku}) of region {Region} joins the catalog", n.Id, n.GpuCount, n.Sku, n.Region);
        }
        return added;
    }

    /// <summary>Every region on the simulator: the default driver, and no region set otherwise.</summary>
    public static bool AllOnSimulator(PoolOptions options) =>
        string.Equals(options.Driver, PoolOptions.Simulator, StringComparison.OrdinalIgnoreCase)
        && options.Regions.Keys.All(r => IsSimulator(options, r));

    public static bool IsSimulator(PoolOptions options, string regionId) =>
        string.Equals(options.DriverOf(regionId), PoolOptions.Simulator, StringComparison.OrdinalIgnoreCase);
}
