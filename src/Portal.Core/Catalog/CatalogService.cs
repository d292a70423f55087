using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Catalog;

public enum SkuSort { PriceAscending, PriceDescending, MemoryDescending, Name }

public sealed record SkuFilter(string? RegionId = null, int? MinMemoryGb = null, long? MaxMicrosPerGpuHour = null, SkuSort Sort = SkuSort.PriceAscending);

/// <summary>How much of a SKU a region has: nodes, GPUs, and GPUs on Ready nodes.</summary>
public sealed record RegionCapacity(string RegionId, string RegionName, int Nodes, int Gpus, int ReadyGpus);

public sealed record TermPrice(int MinHours, int BasisPoints, long MicrosPerGpuHour);

public sealed record SkuView(string Id, string Name, string GpuModel, int MemoryGbPerGpu, int GpusPerNode, string Interconnect,
    int VcpusPerGpu, int RamGbPerGpu, long OnDemandMicrosPerGpuHour, IReadOnlyList<TermPrice> Terms, IReadOnlyList<RegionCapacity> Regions)
{
    public int TotalGpus => Regions.Sum(r => r.Gpus);
}

public sealed record DeploymentView(string RegionId, string RegionName, string BaseUrl);

public sealed record ModelView(string Id, string Name, string Kind, string Description, int ContextLength, bool OpenWeights, string Licence,
    long InputMicrosPerMillionTokens, long OutputMicrosPerMillionTokens, string ServingSkuId, string ServingSkuName,
    IReadOnlyList<DeploymentView> Deployments);

/// <summary>What the cloud sells, for the catalog pages and the read-only API. Retired items are left out.</summary>
public sealed class CatalogService(IDbContextFactory<PortalDbContext> dbFactory)
{
    public async Task<List<Region>> ListRegionsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Regions.AsNoTracking().Where(r => r.RetiredAt == null).OrderBy(r => r.Id).ToListAsync(ct);
    }

    public async Task<List<SkuView>> ListSkusAsync(SkuFilter filter, CancellationToken ct = default)
    {
        var all = await LoadSkusAsync(null, ct);
        return Filter(all, filter);
    }

    /// <summary>The SKUs of <paramref name="all"/> that pass the filter, in its order (what <see cref="ListSkusAsync"/> returns).</summary>
    public static List<SkuView> Filter(IEnumerable<SkuView> all, SkuFilter filter)
    {
        var found = all.Where(s =>
            (filter.RegionId is null || s.Regions.Any(r => r.RegionId == filter.RegionId && r.Nodes > 0))
            && (filter.MinMemoryGb is null || s.MemoryGbPerGpu >= filter.MinMemoryGb)
            && (filter.MaxMicrosPerGpuHour is null || s.OnDemandMicrosPerGpuHour <= filter.MaxMicrosPerGpuHour));
        return (filter.Sort switch
        {
            SkuSort.PriceDescending => found.OrderByDescending(s => s.OnDemandMicrosPerGpuHour),
            SkuSort.MemoryDescending => found.OrderByDescending(s => s.MemoryGbPerGpu).ThenBy(s => s.OnDemandMicrosPerGpuHour),
            SkuSort.Name => found.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase),
            _ => found.OrderBy(s => s.OnDemandMicrosPerGpuHour),
        }).ToList();
    }

    public async Task<SkuView?> GetSkuAsync(string id, CancellationToken ct = default) =>
        (await LoadSkusAsync(id, ct)).SingleOrDefault();

    public async Task<List<ModelView>> ListModelsAsync(CancellationToken ct = default) => await LoadModelsAsync(null, ct);

    public async Task<ModelView?> GetModelAsync(string id, CancellationToken ct = default) => (await LoadModelsAsync(id, ct)).SingleOrDefault();

    private async Task<List<SkuView>> LoadSkusAsync(string? id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var skus = await db.GpuSkus.AsNoTracking().Where(s => s.RetiredAt == null && (id == null || s.Id == id)).ToListAsync(ct);
        var regions = await db.Regions.AsNoTracking().Where(r => r.RetiredAt == null).OrderBy(r => r.Id).ToListAsync(ct);
        var fleet = await db.Nodes.Where(n => id == null || n.SkuId == id)
            .GroupBy(n => new { n.RegionId, n.SkuId })
            .Select(g => new
            {
                g.Key.RegionId, g.Key.SkuId, Nodes = g.Count(), Gpus = g.Sum(n => n.GpuCount),
                ReadyGpus = g.Sum(n => n.State == NodeState.Ready ? n.GpuCount : 0),
            })
            .ToListAsync(ct);
        return skus.Select(s => new SkuView(s.Id, s.Name, s.GpuModel, s.MemoryGbPerGpu, s.GpusPerNode, s.Interconnect, s.VcpusPerGpu,
                s.RamGbPerGpu, s.OnDemandMicrosPerGpuHour,
                [.. s.TermDiscounts.OrderBy(t => t.MinHours).Select(t => new TermPrice(t.MinHours, t.BasisPoints, s.MicrosPerGpuHourFor(t.MinHours)))],
                [.. regions.Select(r => fleet.FirstOrDefault(f => f.RegionId == r.Id && f.SkuId == s.Id) is { } f
                    ? new RegionCapacity(r.Id, r.Name, f.Nodes, f.Gpus, f.ReadyGpus)
                    : new RegionCapacity(r.Id, r.Name, 0, 0, 0))]))
            .ToList();
    }

    private async Task<List<ModelView>> LoadModelsAsync(string? id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var regions = await db.Regions.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.Name, ct);
        var models = await db.Models.AsNoTracking().Include(m => m.Deployments).Include(m => m.ServingSku)
            .Where(m => m.RetiredAt == null && (id == null || m.Id == id)).OrderBy(m => m.Kind).ThenBy(m => m.Name).ToListAsync(ct);
        return models.Select(m => new ModelView(m.Id, m.Name, m.Kind.ToString(), m.Description, m.ContextLength, m.OpenWeights, m.Licence,
                m.InputMicrosPerMillionTokens, m.OutputMicrosPerMillionTokens, m.ServingSkuId, m.ServingSku?.Name ?? m.ServingSkuId,
                [.. m.Deployments.OrderBy(d => d.RegionId)
                    .Select(d => new DeploymentView(d.RegionId, regions.GetValueOrDefault(d.RegionId, d.RegionId), d.BaseUrl))]))
            .ToList();
    }
}
