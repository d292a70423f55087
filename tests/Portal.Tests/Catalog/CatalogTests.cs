using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

public sealed class CatalogTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_seeded_catalog_has_two_regions_five_skus_hundreds_of_nodes_and_four_models_once()
    {
        using var scope = factory.Services.CreateScope();
        await using (var db = factory.CreateDbContext(scope))
            await CatalogSeeder.SeedAsync(db); // a second start: nothing added twice
        await using var check = factory.CreateDbContext(scope);

        Assert.Equal(["us-east-2", "us-south-1"], await check.Regions.OrderBy(r => r.Id).Select(r => r.Id).ToListAsync());
        Assert.Equal(5, await check.GpuSkus.CountAsync());
        Assert.InRange(await check.Nodes.CountAsync(), 200, 1000);
        Assert.Equal(4, await check.Models.CountAsync());
        Assert.Contains(await check.Nodes.Select(n => n.State).ToListAsync(), s => s == NodeState.Maintenance);
        // Every node has its SKU's size.
        Assert.False(await check.Nodes.AnyAsync(n => n.GpuCount != n.Sku!.GpusPerNode));
    }

    [Fact]
    public async Task Filters_narrow_the_skus_and_sorting_orders_them()
    {
        using var scope = factory.Services.CreateScope();
        var catalog = scope.ServiceProvider.GetRequiredService<CatalogService>();

        var cheapFirst = await catalog.ListSkusAsync(new SkuFilter());
        Assert.Equal(cheapFirst.OrderBy(s => s.OnDemandMicrosPerGpuHour).Select(s => s.Id), cheapFirst.Select(s => s.Id));
        Assert.Equal(5, cheapFirst.Count);

        var big = await catalog.ListSkusAsync(new SkuFilter(MinMemoryGb: 141, Sort: SkuSort.MemoryDescending));
        Assert.Equal(["b200-180gb", "h200-141gb"], big.Select(s => s.Id));

        var underThree = await catalog.ListSkusAsync(new SkuFilter(MaxMicrosPerGpuHour: 3_000_000));
        Assert.All(underThree, s => Assert.True(s.OnDemandMicrosPerGpuHour <= 3_000_000));
        Assert.DoesNotContain(underThree, s => s.Id == "b200-180gb");

        Assert.Empty(await catalog.ListSkusAsync(new SkuFilter(MinMemoryGb: 180, MaxMicrosPerGpuHour: 1_000_000)));
    }

    [Fact]
    public async Task Term_prices_are_exact_and_capacity_is_counted_per_region()
    {
        using var scope = factory.Services.CreateScope();
        var h100 = (await scope.ServiceProvider.GetRequiredService<CatalogService>().GetSkuAsync("h100-sxm-80gb"))!;
        Assert.Equal(2_490_000, h100.OnDemandMicrosPerGpuHour);
        // 12% off for 30 days: 2.49 * 0.88 = 2.1912 exactly.
        Assert.Equal(2_191_200, h100.Terms.Single(t => t.MinHours == 720).MicrosPerGpuHour);

        await using var db = factory.CreateDbContext(scope);
        var south = h100.Regions.Single(r => r.RegionId == "us-south-1");
        Assert.Equal(await db.Nodes.CountAsync(n => n.RegionId == "us-south-1" && n.SkuId == "h100-sxm-80gb"), south.Nodes);
        Assert.Equal(
            await db.Nodes.Where(n => n.RegionId == "us-south-1" && n.SkuId == "h100-sxm-80gb" && n.State == NodeState.Ready).SumAsync(n => n.GpuCount),
            south.ReadyGpus);
        Assert.True(south.ReadyGpus < south.Gpus, "some seeded nodes are in maintenance");
    }

    [Fact]
    public async Task The_read_only_api_serves_the_catalog_to_anyone_and_404s_unknown_ids()
    {
        using var client = factory.CreatePortalClient();
        var skus = await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/gpu-skus?region=us-east-2&minMemoryGb=141");
        Assert.Equal(["h200-141gb", "b200-180gb"], skus.EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        var model = await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/models/muse-spark");
        Assert.False(model.GetProperty("openWeights").GetBoolean());
        Assert.Equal(4_000_000, model.GetProperty("outputMicrosPerMillionTokens").GetInt64());

        var missing = await client.GetAsync("/api/v1/gpu-skus/tpu-v9");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        var openApi = await client.GetPageAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/gpu-skus", openApi);
        var docs = await client.GetAsync("/api/docs/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("Portal GPU Cloud API", await docs.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_pages_show_the_catalog_and_404_an_unknown_sku()
    {
        using var client = factory.CreatePortalClient();
        Assert.Contains("$2.49", await client.GetPageAsync("/catalog/gpus"));
        var sku = await client.GetPageAsync("/catalog/gpus/b200-180gb");
        Assert.Contains("NVLink 5", sku);
        Assert.Contains("Richland Parish, Louisiana", sku);
        Assert.Contains("Free every day for 90 days", sku);
        var model = await client.GetPageAsync("/catalog/models/all-minilm-l6-v2");
        Assert.Contains("/v1/embeddings", model);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/catalog/gpus/tpu-v9")).StatusCode);
    }
}
