using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// The portal with one region on the real cluster (the others on the simulator): on a fake clock in 2027, so its
/// reservations never overlap the other Slurm tests' ones of today.
/// </summary>
public sealed class SlurmRegionFactory : LeaseFactory
{
    public const string Region = "slurm-1";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new($"Pool:Regions:{Region}:Driver", "Slurm"),
        new($"Pool:Regions:{Region}:Name", "Local Slurm cluster"),
        new($"Pool:Regions:{Region}:Slurm:Conf", SlurmCluster.Conf),
        new($"Pool:Regions:{Region}:Slurm:JobRoot", SlurmCluster.JobRoot),
    ];
}

/// <summary>A region on Slurm through the router: its catalog comes from the cluster, and its leases are whole-node reservations.</summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmRegionTests(SlurmRegionFactory factory) : IClassFixture<SlurmRegionFactory>
{
    private const string Region = SlurmRegionFactory.Region, Sku = "h100-sxm-80gb";
    private readonly LifecycleKit kit = new(factory);

    [Fact]
    public async Task The_cluster_region_and_its_nodes_are_in_the_catalog_from_startup()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal("Local Slurm cluster", (await db.Regions.SingleAsync(r => r.Id == Region)).Name);
        var nodes = await db.Nodes.Where(n => n.RegionId == Region).OrderBy(n => n.Id).ToListAsync();
        Assert.Equal(["gpu01", "gpu02", "gpu03", "gpu04"], nodes.Select(n => n.Id));
        Assert.All(nodes, n => Assert.Equal((Sku, 8), (n.SkuId, n.GpuCount)));
    }

    [Fact]
    public async Task A_lease_in_the_cluster_region_is_a_reservation_of_whole_nodes_that_release_deletes()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using (var member = await factory.As(tenantId, ownerId))
            await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 4, factory.ThisHour, 2)));

        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 8, factory.ThisHour, 2));
        var reservation = await SlurmCluster.RunAsync("scontrol", "show", "reservation", $"lease-{lease.Id:N}");
        Assert.Contains($"Nodes={lease.Allocations.Single().NodeId} ", reservation.Stdout);
        Assert.Contains($"Accounts={PoolAccount.For(tenantId)}", reservation.Stdout);

        await using (var member = await factory.As(tenantId, ownerId))
            await member.Cancelling.ReleaseAsync(lease.Id);
        await kit.RunAsync<EndLeaseJob>(j => j.RunAsync(lease.Id));
        Assert.DoesNotContain($"lease-{lease.Id:N}", (await SlurmCluster.RunAsync("scontrol", "show", "reservation")).Stdout);
    }
}
