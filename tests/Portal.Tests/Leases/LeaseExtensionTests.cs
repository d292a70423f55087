using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>"Extendable until T" is the longest extension free on the lease's own nodes, and extensions never move.</summary>
public class LeaseExtensionTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2";
    private const string Sku = "l40s-48gb"; // 4 GPUs per node

    [Fact]
    public async Task A_lease_extends_on_its_own_node_up_to_the_next_lease_there_and_no_further()
    {
        var node = await LeaveOneReadyNodeAsync();
        var (tenantA, ownerA) = await factory.NewTenantAsync();
        var (tenantB, ownerB) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(4);
        await using var a = await factory.As(tenantA, ownerA);
        await using var b = await factory.As(tenantB, ownerB);

        var lease = await a.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 4, start, 10));
        await a.Signing.SignAsync(lease.Id, "Ada Owner", accepted: true);
        var next = await b.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 4, start.AddHours(15), 5));
        await b.Signing.SignAsync(next.Id, "Bo Owner", accepted: true);

        Assert.Equal(start.AddHours(15), await a.Extending.ExtendableUntilAsync(lease.Id));
        await Assert.ThrowsAsync<NoCapacityException>(() => a.Extending.QuoteExtensionAsync(lease.Id, 6));

        var amendment = await a.Extending.QuoteExtensionAsync(lease.Id, 5);
        // Its own held quote does not shorten what it may still choose.
        Assert.Equal(start.AddHours(15), await a.Extending.ExtendableUntilAsync(lease.Id));
        Assert.Equal(5L * 4 * amendment.MicrosPerGpuHour, amendment.PriceMicros);

        var extended = await a.ExtensionSigning.SignExtensionAsync(lease.Id, amendment.Id, "Ada Owner", accepted: true);
        Assert.Equal(start.AddHours(15), DateTime.SpecifyKind(extended.End, DateTimeKind.Utc));
        Assert.Equal(start.AddHours(15), await a.Extending.ExtendableUntilAsync(lease.Id)); // nothing more is free

        var full = await a.Queries.GetAsync(lease.Id);
        Assert.All(full!.Allocations.Where(x => x.Status != AllocationStatus.Released), x => Assert.Equal(node, x.NodeId));
        Assert.NotNull(await a.Queries.GetDocumentAsync(lease.Id, amendment.Id));
        await Assert.ThrowsAsync<LeaseException>(() => a.ExtensionSigning.SignExtensionAsync(lease.Id, amendment.Id, "Ada Owner", accepted: true));
    }

    private async Task<string> LeaveOneReadyNodeAsync()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var nodes = await db.Nodes.Where(n => n.RegionId == Region && n.SkuId == Sku).OrderBy(n => n.Id).ToListAsync();
        foreach (var n in nodes.Skip(1)) n.State = NodeState.Maintenance;
        nodes[0].State = NodeState.Ready;
        await db.SaveChangesAsync();
        return nodes[0].Id;
    }
}
