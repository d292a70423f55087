using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Tests.Leases;

namespace Portal.Tests.Pool;

/// <summary>
/// Two regions on two drivers side by side: the seeded regions on the embedded simulator and a Slurm region (a fake
/// cluster driver). Each lease reaches only its own region's pool; the Slurm region's nodes come from its pool.
/// </summary>
public sealed class TwoRegionTests(TwoRegionFactory factory) : IClassFixture<TwoRegionFactory>
{
    private const string Region = TwoRegionFactory.Region, Sku = TwoRegionFactory.Sku;
    private readonly LifecycleKit kit = new(factory);

    [Fact]
    public async Task A_slurm_region_enters_the_catalog_at_startup_with_the_nodes_its_pool_reports_and_is_not_simulated()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(TwoRegionFactory.RegionName, (await db.Regions.SingleAsync(r => r.Id == Region)).Name);
        var nodes = await db.Nodes.Where(n => n.RegionId == Region).OrderBy(n => n.Id).ToListAsync();
        Assert.Equal(factory.Cluster.NodeIds, nodes.Select(n => n.Id));
        Assert.All(nodes, n => Assert.Equal((Sku, 8, NodeState.Ready), (n.SkuId, n.GpuCount, n.State)));

        // The simulator stands in for the other regions only.
        using var http = kit.PoolHttp();
        var simulated = await http.GetStringAsync("pool/nodes");
        Assert.DoesNotContain("gpu01", simulated);
        Assert.Contains("us-east-2-h100-001", simulated);
        // The router's listing is both: the cluster's nodes under their region, the simulator's under theirs.
        var listed = await kit.PoolNodesAsync();
        Assert.Equal(4, listed.Count(n => n.Region == Region));
        Assert.Equal(await db.Nodes.CountAsync(), listed.Count);
    }

    [Fact]
    public async Task A_lease_in_each_region_provisions_through_its_own_driver_and_nothing_reaches_the_other()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var simulated = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest("us-east-2", Sku, 8, factory.ThisHour, 5));
        var onCluster = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 16, factory.ThisHour, 5));

        var reservations = await kit.PoolReservationsAsync();
        var simAllocation = Assert.Single(simulated.Allocations);
        Assert.True(reservations.ContainsKey(simAllocation.Id));
        Assert.DoesNotContain(factory.Cluster.Holds.Keys, id => id == simAllocation.Id);
        Assert.DoesNotContain(factory.Cluster.Calls, c => c.Contains(simAllocation.NodeId));

        Assert.Equal(2, onCluster.Allocations.Count);
        foreach (var a in onCluster.Allocations)
        {
            Assert.False(reservations.ContainsKey(a.Id));
            var hold = factory.Cluster.Holds[a.Id];
            // The hold the Slurm driver names its reservation after: the lease, its window, the tenant's account, whole nodes.
            Assert.Equal((onCluster.Id, a.NodeId, 8, onCluster.Start, onCluster.End, PoolAccount.For(tenantId)),
                (hold.LeaseId, hold.NodeId, hold.Gpus, hold.Start, hold.End, hold.Account));
        }

        await using (var member = await factory.As(tenantId, ownerId))
            await member.Cancelling.ReleaseAsync(onCluster.Id);
        await kit.RunAsync<EndLeaseJob>(j => j.RunAsync(onCluster.Id));
        Assert.DoesNotContain(factory.Cluster.Holds.Values, h => h.LeaseId == onCluster.Id);
        Assert.True((await kit.PoolReservationsAsync()).ContainsKey(simAllocation.Id)); // the other region's lease is untouched
    }

    [Fact]
    public async Task Support_sets_node_states_on_the_pool_of_the_nodes_region()
    {
        using var scope = factory.Services.CreateScope();
        var pool = scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>();

        Assert.True(await pool.SetNodeStateAsync("gpu04", NodeState.Maintenance));
        Assert.Contains("state gpu04 Maintenance", factory.Cluster.Calls);
        Assert.True(await pool.SetNodeStateAsync("gpu04", NodeState.Ready));
        Assert.True(await pool.SetNodeStateAsync("us-east-2-l40s-002", NodeState.Ready));
        Assert.DoesNotContain(factory.Cluster.Calls, c => c.Contains("us-east-2-l40s-002"));
    }

    [Fact]
    public async Task A_task_on_a_cluster_node_is_found_by_its_id_even_by_a_router_that_never_saw_it_submitted()
    {
        using var scope = factory.Services.CreateScope();
        var pool = scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>();
        var taskId = $"{Guid.NewGuid():N}-1";
        var spec = new PoolTaskSpec(taskId, "gpu03", Guid.NewGuid(), 2, "echo hi", new Dictionary<string, string>(), [], 60);

        Assert.True((await pool.SubmitTaskAsync(spec)).Succeeded);
        Assert.Equal(PoolTaskState.Running, (await pool.GetTaskAsync(taskId))!.State);
        Assert.Contains(await pool.ListTasksAsync(), t => t.TaskId == taskId);

        // A restarted portal: a router with nothing remembered asks the drivers in turn.
        var fresh = new RegionalPoolDriver(scope.ServiceProvider.GetRequiredService<SimulatorPoolDriver>(),
            ActivatorUtilities.CreateInstance<PoolRegionDrivers>(scope.ServiceProvider));
        Assert.Equal("gpu03", (await fresh.GetTaskAsync(taskId))!.NodeId);
        Assert.NotNull(await fresh.ReadLogAsync(taskId, PoolLogStream.Stdout, 0, 1024));
        Assert.NotEmpty(await fresh.ReadMetricsAsync(taskId, null));
        Assert.True(await fresh.CancelTaskAsync(taskId, TimeSpan.FromSeconds(1)));
        Assert.Null(await fresh.GetTaskAsync($"{Guid.NewGuid():N}-1"));
    }
}
