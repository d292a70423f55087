using Portal.Core.Catalog;
using Scalar.AspNetCore;

namespace Portal.Web.Catalog;

public static class CatalogWebExtensions
{
    /// <summary>The OpenAPI document that <see cref="MapPortalCatalog"/> serves, and the visitors' catalog page cache.</summary>
    public static IServiceCollection AddPortalCatalogUi(this IServiceCollection services)
    {
        services.AddOpenApi(o => o.AddDocumentTransformer<ApiReferenceIntroduction>());
        services.AddCatalogPageCache();
        return services;
    }

    /// <summary>The read-only catalog API, public like a price list, with its OpenAPI document and reference page.</summary>
    public static WebApplication MapPortalCatalog(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api/docs", o => o.WithTitle(ApiReferenceIntroduction.Title)
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            // The developer toolbar (with its "Deploy" button to Scalar's hosted registry) and the "Ask AI Agent" button (Scalar's
            // cloud) are for Scalar's own users, not ours.
            .HideDeveloperTools()
            .DisableAgent());

        var api = app.MapGroup("/api/v1").WithTags("Catalog");
        api.MapGet("/regions", async (CatalogService catalog, CancellationToken ct) =>
            (await catalog.ListRegionsAsync(ct)).Select(r => new { id = r.Id, name = r.Name }))
            .WithSummary("Regions (data centres) that sell capacity");
        api.MapGet("/gpu-skus", async (string? region, int? minMemoryGb, decimal? maxUsdPerGpuHour, SkuSort? sort, CatalogService catalog,
            CancellationToken ct) =>
            (await catalog.ListSkusAsync(new SkuFilter(region, minMemoryGb,
                maxUsdPerGpuHour is { } max ? (long)(max * Money.MicrosPerDollar) : null, sort ?? SkuSort.PriceAscending), ct)).Select(SkuJson))
            .WithSummary("GPU SKUs with prices and capacity per region; filter by region, memory and price");
        api.MapGet("/gpu-skus/{id}", async (string id, CatalogService catalog, CancellationToken ct) =>
            OkOrNotFound(await catalog.GetSkuAsync(id, ct), SkuJson, $"There is no GPU SKU '{id}'."))
            .WithSummary("One GPU SKU");
        api.MapGet("/models", async (CatalogService catalog, CancellationToken ct) => (await catalog.ListModelsAsync(ct)).Select(ModelJson))
            .WithSummary("Hosted models with batch prices");
        api.MapGet("/models/{id}", async (string id, CatalogService catalog, CancellationToken ct) =>
            OkOrNotFound(await catalog.GetModelAsync(id, ct), ModelJson, $"There is no model '{id}'."))
            .WithSummary("One hosted model");
        return app;
    }

    private static IResult OkOrNotFound<T>(T? item, Func<T, object> json, string missing) where T : class =>
        item is null ? Results.Problem(statusCode: 404, title: "Not found", detail: missing) : Results.Ok(json(item));

    // Prices go out both exact (micro-dollars, integers) and readable (dollars).
    private static object SkuJson(SkuView s) => new
    {
        id = s.Id, name = s.Name, gpuModel = s.GpuModel, memoryGbPerGpu = s.MemoryGbPerGpu, gpusPerNode = s.GpusPerNode,
        interconnect = s.Interconnect, vcpusPerGpu = s.VcpusPerGpu, ramGbPerGpu = s.RamGbPerGpu,
        onDemandMicrosPerGpuHour = s.OnDemandMicrosPerGpuHour, onDemandUsdPerGpuHour = s.OnDemandMicrosPerGpuHour / (decimal)Money.MicrosPerDollar,
        terms = s.Terms.Select(t => new { minHours = t.MinHours, discountPercent = t.BasisPoints / 100m, microsPerGpuHour = t.MicrosPerGpuHour }),
        regions = s.Regions.Select(r => new { id = r.RegionId, name = r.RegionName, nodes = r.Nodes, gpus = r.Gpus, readyGpus = r.ReadyGpus }),
    };

    private static object ModelJson(ModelView m) => new
    {
        id = m.Id, name = m.Name, kind = m.Kind.ToLowerInvariant(), description = m.Description, contextLength = m.ContextLength,
        openWeights = m.OpenWeights, licence = m.Licence,
        inputMicrosPerMillionTokens = m.InputMicrosPerMillionTokens, outputMicrosPerMillionTokens = m.OutputMicrosPerMillionTokens,
        servingSku = m.ServingSkuId, regions = m.Deployments.Select(d => d.RegionId),
    };
}
