using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Pool;

/// <summary>The portal reaches the embedded simulated pool only over HTTP, through the driver.</summary>
public sealed class PoolDriverTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_embedded_pool_stands_in_for_every_node_in_the_catalog()
    {
        using var scope = factory.Services.CreateScope();
        var pool = scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>();
        await using var db = factory.CreateDbContext(scope);
        var catalog = await db.Nodes.OrderBy(n => n.Id).Select(n => new { n.Id, n.GpuCount, n.State }).ToListAsync();

        var reported = (await pool.ListNodesAsync()).OrderBy(n => n.Id, StringComparer.Ordinal).ToList();

        Assert.Equal(catalog.Select(n => (n.Id, n.GpuCount, n.State)), reported.Select(n => (n.Id, n.GpuCount, n.State)));
    }

    [Fact]
    public async Task Reserving_through_the_driver_is_idempotent_and_refuses_what_does_not_fit()
    {
        using var scope = factory.Services.CreateScope();
        var pool = scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>();
        const string node = "us-east-2-l40s-001"; // 4 GPUs
        var allocation = Guid.NewGuid();

        Assert.True((await pool.ReserveAsync(node, allocation, 3)).Succeeded);
        Assert.True((await pool.ReserveAsync(node, allocation, 3)).Succeeded); // a retry, not a second reservation
        Assert.Equal(3, (await pool.ListNodesAsync()).Single(n => n.Id == node).ReservedGpus);

        var tooMany = await pool.ReserveAsync(node, Guid.NewGuid(), 2);
        Assert.Equal(ReservationOutcome.InsufficientGpus, tooMany.Outcome);
        Assert.False(string.IsNullOrEmpty(tooMany.Message));

        await pool.ReleaseAsync(node, allocation);
        await pool.ReleaseAsync(node, allocation);
        Assert.Equal(0, (await pool.ListNodesAsync()).Single(n => n.Id == node).ReservedGpus);
    }

    [Fact]
    public async Task Node_state_changes_in_the_pool_reach_the_catalog_once()
    {
        using var scope = factory.Services.CreateScope();
        var endpoint = scope.ServiceProvider.GetRequiredService<PoolEndpoint>();
        using var http = new HttpClient { BaseAddress = endpoint.BaseUrl };
        const string node = "us-east-2-h100-003";
        (await http.PostAsJsonAsync($"pool/nodes/{node}/state", new { state = "Failed" })).EnsureSuccessStatusCode();

        var job = scope.ServiceProvider.GetRequiredService<SyncNodeStatesJob>();
        var first = await job.RunAsync();
        var second = await job.RunAsync();

        Assert.True(first >= 1);
        Assert.Equal(0, second);
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(NodeState.Failed, (await db.Nodes.SingleAsync(n => n.Id == node)).State);
        var sku = await scope.ServiceProvider.GetRequiredService<CatalogService>().GetSkuAsync("h100-sxm-80gb");
        var east = sku!.Regions.Single(r => r.RegionId == "us-east-2");
        Assert.Equal(
            east.Gpus - 8 * await db.Nodes.CountAsync(n => n.RegionId == "us-east-2" && n.SkuId == "h100-sxm-80gb" && n.State != NodeState.Ready),
            east.ReadyGpus);
    }
}
