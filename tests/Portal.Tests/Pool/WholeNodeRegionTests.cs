using System.Net;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Tests.Leases;

namespace Portal.Tests.Pool;

/// <summary>
/// A Slurm region leases whole nodes: the quote refuses any other GPU count and places leases on whole free nodes;
/// extensions and node failures go through the region's own driver.
/// </summary>
public sealed class WholeNodeRegionTests(TwoRegionFactory factory) : IClassFixture<TwoRegionFactory>
{
    private const string Region = TwoRegionFactory.Region, Sku = TwoRegionFactory.Sku;
    private readonly LifecycleKit kit = new(factory);

    [Fact]
    public async Task A_gpu_count_that_is_not_whole_nodes_is_refused_in_the_slurm_region_and_nothing_is_held()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var request = new LeaseRequest(Region, Sku, 4, factory.ThisHour.AddHours(50), 5);

        var refused = await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(request));
        var check = await member.Availability.CheckAsync(request);

        Assert.Equal(("invalid_request", "This region leases whole nodes: choose 8, 16, 24 … GPUs."), (refused.Code, refused.Message));
        Assert.Equal([refused.Message], check.Errors);
        Assert.Empty(await member.Queries.ListAsync());
        Assert.True((await member.Availability.CheckAsync(request with { RegionId = "us-east-2" })).Fits); // 4 GPUs elsewhere: fine
        Assert.True((await member.Availability.CheckAsync(request with { Gpus = 16 })).Fits);
    }

    [Fact]
    public async Task The_api_refuses_a_quote_that_is_not_whole_nodes_in_the_slurm_region_with_problem_details()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);

        var response = await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote",
            LeaseApiTests.Body(Sku, 12, factory.ThisHour.AddHours(60), 4, Region));

        var problem = await LeaseApiCalls.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal("This region leases whole nodes: choose 8, 16, 24 … GPUs.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Leases_in_the_slurm_region_take_whole_free_nodes_and_never_share_one()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(100); // a window of its own: the other tests' leases are elsewhere in time
        await using var member = await factory.As(tenantId, ownerId);
        var first = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, start, 4));
        var second = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 16, start, 4));

        var nodes = first.Allocations.Concat(second.Allocations).ToList();
        Assert.All(nodes, a => Assert.Equal(8, a.Gpus));
        Assert.Equal(3, nodes.Select(a => a.NodeId).Distinct().Count());
        var full = await Assert.ThrowsAsync<NoCapacityException>(() => member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 16, start, 4)));
        Assert.Contains("whole free nodes", full.Message);
    }

    [Fact]
    public async Task An_extension_moves_the_end_on_the_slurm_pool_and_stays_on_the_same_whole_nodes()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 8, factory.ThisHour, 3));
        var node = lease.Allocations.Single().NodeId;
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var amendment = await member.Extending.QuoteExtensionAsync(lease.Id, 2);
            await member.ExtensionSigning.SignExtensionAsync(lease.Id, amendment.Id, "Ada Lovelace", true);
        }
        factory.Clock.Advance(lease.End - factory.Now - TimeSpan.FromMinutes(1)); // the extension is due on the pool
        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id));

        var extended = await kit.LoadAsync(lease.Id);
        Assert.Equal(lease.End.AddHours(2), extended.End);
        Assert.All(extended.Allocations, a => Assert.Equal((node, 8), (a.NodeId, a.Gpus)));
        Assert.Contains(factory.Cluster.Calls, c => c.StartsWith($"extend {node} ") && c.EndsWith($"{extended.End:O}"));
    }

    [Fact]
    public async Task A_slurm_node_reported_failed_moves_its_lease_to_another_whole_node_through_the_region_driver()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 8, factory.ThisHour, 6));
        var lost = lease.Allocations.Single();
        factory.Clock.Advance(TimeSpan.FromHours(1));

        factory.Cluster.SetState(lost.NodeId, NodeState.Failed);
        await kit.RunAsync<SyncNodeStatesJob>(j => j.RunAsync());
        var queued = factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi().EnqueuedJobs("default", 0, 1000);
        Assert.Contains(queued, j => j.Value.Job?.Type == typeof(NodeFailureJob) && Equals(j.Value.Job.Args[0], lost.NodeId));
        await kit.RunAsync<NodeFailureJob>(j => j.RunAsync(lost.NodeId));

        var moved = await kit.LoadAsync(lease.Id);
        var replacement = moved.Allocations.Single(a => a.ReplacesId == lost.Id);
        Assert.Equal((LeaseState.Active, false, 8), (moved.State, moved.Degraded, replacement.Gpus));
        Assert.NotEqual(lost.NodeId, replacement.NodeId);
        Assert.Contains($"release {lost.NodeId} {lost.Id}", factory.Cluster.Calls);
        Assert.Equal((lease.Id, replacement.NodeId), (factory.Cluster.Holds[replacement.Id].LeaseId, factory.Cluster.Holds[replacement.Id].NodeId));
        factory.Cluster.SetState(lost.NodeId, NodeState.Ready);
        await kit.RunAsync<SyncNodeStatesJob>(j => j.RunAsync());
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(NodeState.Ready, (await db.Nodes.SingleAsync(n => n.Id == lost.NodeId)).State);
    }
}
