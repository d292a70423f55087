using Portal.Core.Catalog;

namespace Portal.Web.Catalog;

/// <summary>
/// <see cref="CatalogService"/>'s reads for the public catalog pages, through <see cref="CatalogReadCache"/>: one small stamp
/// read per call instead of the catalog's queries while nothing changed. Lists are copies: a page may sort or trim its own.
/// </summary>
public sealed class CachedCatalog(CatalogService catalog, CatalogChangeStamp stamps, CatalogReadCache cache)
{
    public async Task<List<Region>> ListRegionsAsync(CancellationToken ct = default) =>
        [.. await cache.RegionsAsync(await stamps.ReadAsync(ct), () => catalog.ListRegionsAsync(CancellationToken.None))];

    public async Task<List<SkuView>> ListSkusAsync(SkuFilter filter, CancellationToken ct = default) =>
        CatalogService.Filter(await AllSkusAsync(ct), filter);

    public async Task<SkuView?> GetSkuAsync(string id, CancellationToken ct = default) => (await AllSkusAsync(ct)).FirstOrDefault(s => s.Id == id);

    public async Task<List<ModelView>> ListModelsAsync(CancellationToken ct = default) =>
        [.. await cache.ModelsAsync(await stamps.ReadAsync(ct), () => catalog.ListModelsAsync(CancellationToken.None))];

    public async Task<ModelView?> GetModelAsync(string id, CancellationToken ct = default) => (await ListModelsAsync(ct)).FirstOrDefault(m => m.Id == id);

    private async Task<List<SkuView>> AllSkusAsync(CancellationToken ct) =>
        await cache.SkusAsync(await stamps.ReadAsync(ct), () => catalog.ListSkusAsync(new SkuFilter(), CancellationToken.None));
}
