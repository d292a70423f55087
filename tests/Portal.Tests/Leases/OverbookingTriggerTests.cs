using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;
using Portal.Core.Pool;

namespace Portal.Tests.Leases;

/// <summary>
/// The database itself refuses an overbooking allocation written behind the service's back (the trigger of
/// the Leases migration), on SQLite and on PostgreSQL; allocations that fit still go in.
/// </summary>
public class OverbookingTriggerTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-south-1";
    private const string Sku = "a100-80gb"; // nodes of 8 GPUs

    [Fact]
    public async Task The_database_refuses_an_allocation_that_overbooks_a_node_and_accepts_one_that_fits()
    {
        var (lease, node) = await SignedWholeNodeAsync("us-south-1-a100-001");
        var start = lease.Start;

        // One more GPU starting before the signed lease and running into it: full at its second hour.
        await AssertRefusedAsync(Extra(lease, node, 1, start.AddHours(-2), start.AddHours(1)));
        // A held allocation counts just as well.
        await AssertRefusedAsync(Extra(lease, node, 1, start.AddHours(3), start.AddHours(4), AllocationStatus.Held));
        // More GPUs than the node has, on an empty window.
        await AssertRefusedAsync(Extra(lease, node, 9, start.AddDays(10), start.AddDays(10).AddHours(1)));

        // Right after the lease ends, and released rows, are fine.
        await InsertAsync(Extra(lease, node, 8, lease.End, lease.End.AddHours(2)));
        await InsertAsync(Extra(lease, node, 8, start, start.AddHours(2), AllocationStatus.Released));
    }

    [Fact]
    public async Task The_database_refuses_reviving_a_released_allocation_into_an_overbooking()
    {
        var (lease, node) = await SignedWholeNodeAsync("us-south-1-a100-002");
        var start = lease.Start;
        var released = Extra(lease, node, 4, start, start.AddHours(1), AllocationStatus.Released);
        await InsertAsync(released);

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var row = await db.Allocations.FirstAsync(a => a.Id == released.Id);
        row.Status = AllocationStatus.Firm;
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Equal(AllocationStatus.Released, await StatusAsync(released.Id));

        // Growing a firm allocation past the node is refused too.
        await using var db2 = factory.CreateDbContext(scope);
        var firm = await db2.Allocations.FirstAsync(a => a.LeaseId == lease.Id && a.Status == AllocationStatus.Firm);
        firm.Gpus = 9;
        await Assert.ThrowsAsync<DbUpdateException>(() => db2.SaveChangesAsync());
        Assert.Equal(8, (await db2.Allocations.AsNoTracking().FirstAsync(a => a.Id == firm.Id)).Gpus);
    }

    [Fact]
    public async Task A_node_failure_moves_a_lease_onto_capacity_that_only_an_expired_hold_still_marks()
    {
        // Two Ready nodes: a signed lease on one, a quote on the other that then expires without a sweep.
        const string region = "us-east-2";
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            var nodes = await db.Nodes.Where(n => n.RegionId == region && n.SkuId == Sku).OrderBy(n => n.Id).Select(n => n.Id).Take(2).ToListAsync();
            await db.Nodes.Where(n => n.RegionId == region && n.SkuId == Sku)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.State, n => nodes.Contains(n.Id) ? NodeState.Ready : NodeState.Maintenance));
        }
        var window = new LeaseRequest(region, Sku, 8, factory.ThisHour.AddHours(2), 4);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var signed = await member.Signing.SignAsync((await member.Quoting.HoldAsync(window)).Id, "Moved Tenant", accepted: true);
        var (otherId, otherOwner) = await factory.NewTenantAsync();
        await using var other = await factory.As(otherId, otherOwner);
        var quote = await other.Quoting.HoldAsync(window);
        factory.Clock.Advance(TimeSpan.FromMinutes(11));

        var failed = Assert.Single(signed.Allocations).NodeId;
        using (var scope = factory.Services.CreateScope())
        {
            await using (var db = factory.CreateDbContext(scope))
                await db.Nodes.Where(n => n.Id == failed).ExecuteUpdateAsync(s => s.SetProperty(n => n.State, NodeState.Failed));
            await scope.ServiceProvider.GetRequiredService<NodeFailureJob>().RunAsync(failed);
        }

        var moved = await member.Queries.GetAsync(signed.Id);
        Assert.Equal(Assert.Single(quote.Allocations).NodeId,
            Assert.Single(moved!.Allocations, a => a.Status == AllocationStatus.Firm).NodeId);
        Assert.Equal(0, moved.LostGpuHours);
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            var report = await AllocationChecker.CheckAsync(db, factory.Now);
            Assert.True(report.Clean, report.Describe());
        }
    }

    /// <summary>A signed lease of a whole 8-GPU node, through the service; returns it and its node.</summary>
    private async Task<(Lease Lease, string Node)> SignedWholeNodeAsync(string wanted)
    {
        // Only the wanted node of the pool Ready, so the planner picks it.
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Nodes.Where(n => n.RegionId == Region && n.SkuId == Sku)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.State, n => n.Id == wanted ? NodeState.Ready : NodeState.Maintenance));
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, factory.ThisHour.AddHours(48), 6));
        var lease = await member.Signing.SignAsync(held.Id, "Trigger Test", accepted: true);
        Assert.Equal(wanted, Assert.Single(held.Allocations).NodeId);
        return (lease, wanted);
    }

    private static Allocation Extra(Lease lease, string node, int gpus, DateTime start, DateTime end, AllocationStatus status = AllocationStatus.Firm) =>
        new()
        {
            LeaseId = lease.Id, NodeId = node, RegionId = Region, SkuId = Sku, Gpus = gpus, Start = start, End = end, Status = status,
            HoldExpiresAt = status == AllocationStatus.Held ? DateTime.UtcNow.AddYears(1) : null,
        };

    private async Task AssertRefusedAsync(Allocation allocation)
    {
        var e = await Assert.ThrowsAsync<DbUpdateException>(() => InsertAsync(allocation));
        Assert.Contains("overbook", e.InnerException?.Message ?? e.Message);
        Assert.Null(await StatusAsync(allocation.Id));
    }

    private async Task InsertAsync(Allocation allocation)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        db.Allocations.Add(allocation);
        await db.SaveChangesAsync();
    }

    private async Task<AllocationStatus?> StatusAsync(Guid id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Allocations.Where(a => a.Id == id).Select(a => (AllocationStatus?)a.Status).FirstOrDefaultAsync();
    }
}
