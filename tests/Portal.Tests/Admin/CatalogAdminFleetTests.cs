using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Catalog;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;
using Portal.Core.Refusals;

namespace Portal.Tests.Admin;

/// <summary>Nodes and regions: numbering continues the seed, state changes and region edits are audited.</summary>
public sealed class CatalogAdminFleetTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Adding_nodes_continues_the_seeded_numbering_at_the_skus_size_and_is_audited()
    {
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<NodeAdminService>();
        await using var db = factory.CreateDbContext(scope);
        var before = await db.Nodes.CountAsync(n => n.RegionId == "us-south-1" && n.SkuId == "a100-80gb");
        Assert.Equal(30, before);

        var first = await Outcome.Of(service.AddNodesAsync("us-south-1", "a100-80gb", 2));
        var second = await Outcome.Of(service.AddNodesAsync("us-south-1", "a100-80gb", 1));

        Assert.True(first.Succeeded && second.Succeeded, first.Message + second.Message);
        var added = await db.Nodes.Where(n => n.RegionId == "us-south-1" && n.SkuId == "a100-80gb").OrderBy(n => n.Id).Skip(30).ToListAsync();
        Assert.Equal(["us-south-1-a100-031", "us-south-1-a100-032", "us-south-1-a100-033"], added.Select(n => n.Id));
        Assert.All(added, n => Assert.Equal((8, NodeState.Ready), (n.GpuCount, n.State)));
        var e = await db.AuditEvents.Where(e => e.Action == "catalog.node.added").OrderBy(e => e.Id).FirstAsync();
        Assert.Contains("us-south-1-a100-031", e.TargetName);
        Assert.Contains("us-south-1-a100-032", e.TargetName);
        Assert.Equal(before + 3, (await service.FleetAsync()).Single(f => f.RegionId == "us-south-1" && f.SkuId == "a100-80gb").Total);
    }

    [Theory]
    [InlineData("us-south-1", "a100-80gb", 0)]
    [InlineData("us-south-1", "a100-80gb", 201)]
    [InlineData("nowhere-1", "a100-80gb", 1)]
    [InlineData("us-south-1", "no-such-sku", 1)]
    public async Task Adding_nodes_is_refused_for_bad_counts_or_unknown_places(string region, string sku, int count)
    {
        await using var scope = await SupportScope.CreateAsync(factory);
        await using var db = factory.CreateDbContext(scope);
        var nodes = await db.Nodes.CountAsync();

        Assert.False((await Outcome.Of(scope.Get<NodeAdminService>().AddNodesAsync(region, sku, count))).Succeeded);
        Assert.Equal(nodes, await db.Nodes.CountAsync());
    }

    [Fact]
    public async Task Changing_a_nodes_state_is_audited_with_the_reason_and_needs_a_reason()
    {
        const string id = "us-east-2-h200-003";
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<NodeAdminService>();

        Assert.False((await Outcome.Of(service.SetNodeStateAsync(id, NodeState.Draining, " "))).Succeeded);
        var outcome = await Outcome.Of(service.SetNodeStateAsync(id, NodeState.Draining, "Firmware update tonight"));
        var again = await Outcome.Of(service.SetNodeStateAsync(id, NodeState.Draining, "Twice"));

        Assert.True(outcome.Succeeded, outcome.Message);
        Assert.False(again.Succeeded);
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(NodeState.Draining, (await db.Nodes.SingleAsync(n => n.Id == id)).State);
        var e = await db.AuditEvents.SingleAsync(e => e.TargetId == id && e.Action == "catalog.node.state_changed");
        Assert.Equal(("Node", "Firmware update tonight", PortalFactory.SupportEmail), (e.TargetType, e.Reason, e.ActorName));
        Assert.Contains("Ready → Draining", e.TargetName);
        var page = await service.SearchNodesAsync(new NodeQuery("us-east-2", "h200-141gb", NodeState.Draining));
        Assert.Equal([id], page.Items.Select(n => n.Id));
    }

    [Fact]
    public async Task A_state_set_by_Support_reaches_the_pool_so_the_sync_keeps_it()
    {
        const string id = "us-east-2-h200-004";
        await using var scope = await SupportScope.CreateAsync(factory);
        var outcome = await Outcome.Of(scope.Get<NodeAdminService>().SetNodeStateAsync(id, NodeState.Maintenance, "Replacing a fan"));
        Assert.True(outcome.Succeeded, outcome.Message);

        var pool = scope.Get<Portal.Core.Pool.IGpuPoolDriver>();
        Assert.Equal(NodeState.Maintenance, (await pool.ListNodesAsync()).Single(n => n.Id == id).State);
        await scope.Get<Portal.Core.Pool.SyncNodeStatesJob>().RunAsync();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(NodeState.Maintenance, (await db.Nodes.SingleAsync(n => n.Id == id)).State);
    }

    [Fact]
    public async Task Nodes_are_paged_and_filtered()
    {
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<NodeAdminService>();

        var page2 = await service.SearchNodesAsync(new NodeQuery(RegionId: "us-east-2", SkuId: "h100-sxm-80gb", Page: 2, PageSize: 25));

        Assert.Equal(40, page2.TotalCount);
        Assert.Equal(15, page2.Items.Count);
        Assert.All(page2.Items, n => Assert.Equal(("us-east-2", "h100-sxm-80gb"), (n.RegionId, n.SkuId)));
    }

    [Fact]
    public async Task Regions_are_created_renamed_and_retired_from_the_public_list_with_audit_events()
    {
        var id = "zz-" + Guid.NewGuid().ToString("N")[..6] + "-1";
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<RegionAdminService>();
        var catalog = scope.Get<CatalogService>();

        var bad = await Assert.ThrowsAsync<FieldsRefusedException>(() => service.SaveRegionAsync(null, "US_West", ""));
        Assert.Equal(["Id", "Name"], bad.Errors.Keys.Order());
        var duplicate = await Assert.ThrowsAsync<FieldsRefusedException>(() => service.SaveRegionAsync(null, "us-south-1", "Duplicate"));
        Assert.Equal("Id", Assert.Single(duplicate.Errors.Keys));
        Assert.True((await Outcome.Of(service.SaveRegionAsync(null, id, "Test Park, Nevada"))).Succeeded);
        Assert.True((await Outcome.Of(service.SaveRegionAsync(id, "ignored", "Test Park, Utah"))).Succeeded);
        Assert.Contains(await catalog.ListRegionsAsync(), r => r.Id == id && r.Name == "Test Park, Utah");

        Assert.True((await Outcome.Of(service.SetRegionRetiredAsync(id, true, "Lease ended"))).Succeeded);

        Assert.DoesNotContain(await catalog.ListRegionsAsync(), r => r.Id == id);
        Assert.False((await Outcome.Of(scope.Get<NodeAdminService>().AddNodesAsync(id, "a100-80gb", 1))).Succeeded);
        await using var db = factory.CreateDbContext(scope);
        Assert.NotNull((await db.Regions.SingleAsync(r => r.Id == id)).RetiredAt);
        Assert.Equal(["catalog.region.created", "catalog.region.renamed", "catalog.region.retired"],
            await db.AuditEvents.Where(e => e.TargetId == id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
    }
}
