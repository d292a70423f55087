using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.Refusals;

namespace Portal.Core.Admin;

/// <summary>
/// Support's view of the fleet: nodes per region and SKU, adding nodes, and changing a node's state (through the pool,
/// which is the source of truth). Every change is audited in the same SaveChanges; a refused change changes nothing.
/// </summary>
public sealed class NodeAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, IGpuPoolDriver pool,
    IBackgroundJobClient jobs)
{
    public const int MaxNodesAtOnce = 200;

    /// <summary>Nodes per region and SKU, counted by state.</summary>
    public async Task<List<FleetRow>> FleetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await db.Nodes.GroupBy(n => new { n.RegionId, n.SkuId, n.State })
            .Select(g => new { g.Key.RegionId, g.Key.SkuId, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        return [.. counts.GroupBy(c => (c.RegionId, c.SkuId)).OrderBy(g => g.Key.RegionId).ThenBy(g => g.Key.SkuId)
            .Select(g =>
            {
                int Of(NodeState s) => g.Where(c => c.State == s).Sum(c => c.Count);
                return new FleetRow(g.Key.RegionId, g.Key.SkuId, Of(NodeState.Ready), Of(NodeState.Maintenance), Of(NodeState.Draining), Of(NodeState.Failed));
            })];
    }

    public async Task<PagedResult<NodeRow>> SearchNodesAsync(NodeQuery query, CancellationToken ct = default)
    {
        var (page, pageSize) = PagedResult<NodeRow>.Clamp(query.Page, query.PageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = db.Nodes.Where(n => (query.RegionId == null || n.RegionId == query.RegionId) && (query.SkuId == null || n.SkuId == query.SkuId)
            && (query.State == null || n.State == query.State));
        var total = await nodes.CountAsync(ct);
        var items = await nodes.OrderBy(n => n.Id).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(n => new NodeRow(n.Id, n.RegionId, n.SkuId, n.GpuCount, n.State)).ToListAsync(ct);
        return new(items, total, page, pageSize);
    }

    /// <summary>Adds <paramref name="count"/> Ready nodes, numbered on from the highest <c>{region}-{skuprefix}-nnn</c> there is.</summary>
    public async Task<string> AddNodesAsync(string regionId, string skuId, int count, CancellationToken ct = default)
    {
        if (count is < 1 or > MaxNodesAtOnce) throw ActionRefusedException.Refused($"Add between 1 and {MaxNodesAtOnce} nodes at once.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var region = await db.Regions.FirstOrDefaultAsync(r => r.Id == regionId, ct);
        var sku = await db.GpuSkus.FirstOrDefaultAsync(s => s.Id == skuId, ct);
        if (region is null || region.RetiredAt is not null) throw ActionRefusedException.Refused("Choose a region that is not retired.");
        if (sku is null || sku.RetiredAt is not null) throw ActionRefusedException.Refused("Choose a SKU that is not retired.");

        // The prefix is shared by SKUs of one GPU (h100-sxm, h100-pcie), so number across all of them to keep ids unique.
        var prefix = $"{regionId}-{skuId.Split('-')[0]}-";
        var taken = await db.Nodes.Where(n => n.Id.StartsWith(prefix)).Select(n => n.Id).ToListAsync(ct);
        var next = taken.Select(n => int.TryParse(n[prefix.Length..], out var i) ? i : 0).DefaultIfEmpty(0).Max() + 1;
        var ids = Enumerable.Range(next, count).Select(i => $"{prefix}{i:D3}").ToList();
        db.Nodes.AddRange(ids.Select(id => new Node { Id = id, RegionId = regionId, SkuId = skuId, GpuCount = sku.GpusPerNode, State = NodeState.Ready }));
        var range = count == 1 ? ids[0] : $"{ids[0]} … {ids[^1]}";
        audit.Add(db, CatalogActions.NodesAdded, CatalogActions.NodeTarget, ids[0], $"{count} × {sku.Name} in {region.Name}: {range}");
        await db.SaveChangesAsync(ct);
        return $"Added {count} {sku.Name} node{(count == 1 ? "" : "s")} in {region.Name}: {range}.";
    }

    public async Task<string> SetNodeStateAsync(string nodeId, NodeState state, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        if (!Enum.IsDefined(state)) throw ActionRefusedException.Refused("Choose Ready, Maintenance, Draining or Failed.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == nodeId, ct);
        if (node is null) throw ActionRefusedException.NotFound("There is no such node.");
        if (node.State == state) throw ActionRefusedException.Refused($"{node.Id} is already {state}. Nothing was changed.");
        var from = node.State;
        // The pool first: it is the source of truth the sync job copies back, so a change made only here would be undone.
        try { await pool.SetNodeStateAsync(node.Id, state, ct); }
        catch (HttpRequestException e) { throw ActionRefusedException.Refused($"The GPU pool did not accept the change ({e.Message}). Nothing was changed."); }
        node.State = state;
        audit.Add(db, CatalogActions.NodeStateChanged, CatalogActions.NodeTarget, node.Id, $"{node.Id}: {from} → {state}", reason: why);
        await db.SaveChangesAsync(ct);
        await Pool.PoolVersion.BumpAsync(db, node.RegionId, node.SkuId, ct);
        // Leases on a failed node are moved or credited at once, not at the next sync.
        if (state == NodeState.Failed) jobs.Enqueue<NodeFailureJob>(j => j.RunAsync(node.Id, CancellationToken.None));
        return $"{node.Id} is now {state}.";
    }
}
