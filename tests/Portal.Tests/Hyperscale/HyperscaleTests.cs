using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Capacity;
using Portal.Core.Catalog.Hyperscale;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Tests.Admin;

namespace Portal.Tests.Hyperscale;

/// <summary>
/// Issue 18 at CI size: the seeded hyperscale pool, a lease of every free GPU of its region from quote to release, and
/// provisioning in batches that resumes after a failed batch without reserving any node twice.
/// </summary>
public class HyperscaleTests(HyperscaleFactory factory) : IClassFixture<HyperscaleFactory>
{
    private static readonly HyperscaleSeedOptions Seed = HyperscaleFactory.Seed;
    private const int FreeNodes = 550; // the seed keeps the upper half free

    [Fact]
    public async Task The_seed_fills_the_region_once_and_the_simulated_pool_serves_it()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(Seed.Nodes, await db.Nodes.CountAsync(n => n.RegionId == Seed.RegionId));
        Assert.Equal(Seed.Allocations, await db.Allocations.CountAsync(a => a.RegionId == Seed.RegionId));
        var leases = await db.Leases.IgnoreQueryFilters().CountAsync(l => l.RegionId == Seed.RegionId);

        Assert.Equal(0, await HyperscaleSeeder.SeedAsync(db, Seed, factory.Now));
        Assert.Equal(Seed.Nodes, await db.Nodes.CountAsync(n => n.RegionId == Seed.RegionId));
        Assert.Equal(Seed.Allocations, await db.Allocations.CountAsync(a => a.RegionId == Seed.RegionId));
        Assert.Equal(leases, await db.Leases.IgnoreQueryFilters().CountAsync(l => l.RegionId == Seed.RegionId));
        Assert.Equal(Seed.Tenants, await db.Tenants.CountAsync(t => t.Slug.StartsWith("hyperscale-")));

        var pool = await scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>().ListNodesAsync();
        Assert.Equal(Seed.Nodes, pool.Count(n => n.Region == Seed.RegionId));
        var calendar = await scope.ServiceProvider.GetRequiredService<AvailabilityQueries>().CalendarAsync(Seed.RegionId, Seed.SkuId);
        Assert.Equal(Seed.Nodes * 8, calendar.ReadyGpus);
        // Day 60: past the other tests' leases; the busy half has seeded leases then, the free half none.
        Assert.InRange(calendar.DayMinFree[60], FreeNodes * 8, Seed.Nodes * 8 - 1);
    }

    [Fact]
    public async Task A_lease_of_every_free_gpu_in_the_region_is_quoted_signed_approved_provisioned_and_released()
    {
        var (tenantId, ownerId) = await NewCustomerAsync();
        var start = factory.ThisHour.AddHours(1);
        Lease lease;
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var free = await FreeGpusAsync(member.Get<AvailabilityQueries>(), start, 30 * 24);
            Assert.True(free > 4096, $"{free} GPUs free");
            var held = await member.Quoting.HoldAsync(new LeaseRequest(Seed.RegionId, Seed.SkuId, free, start, 30 * 24));
            Assert.Equal(free / 8, held.Allocations.Count);
            lease = await member.Signing.SignAsync(held.Id, "Grace Hopper", accepted: true);
            Assert.Equal(LeaseState.PendingApproval, lease.State);
            Assert.Equal(0, await FreeGpusAsync(member.Get<AvailabilityQueries>(), start, 30 * 24));
        }
        await using (var support = await SupportScope.CreateAsync(factory))
            await support.ServiceProvider.GetRequiredService<LeaseAdminDecisions>().ApproveAsync(lease.Id);

        factory.Clock.Advance(TimeSpan.FromMinutes(59));
        using (var scope = factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ProvisionLeaseJob>().RunAsync(lease.Id);
        Assert.Equal(LeaseState.Active, await StateAsync(lease.Id));
        Assert.Equal(0, await UnreservedAsync(lease.Id));

        factory.Clock.Advance(TimeSpan.FromHours(2));
        await using (var member = await factory.As(tenantId, ownerId))
            await member.Cancelling.ReleaseAsync(lease.Id);
        using (var scope = factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<EndLeaseJob>().RunAsync(lease.Id);
        Assert.Equal(LeaseState.Ended, await StateAsync(lease.Id));
        var pool = await factory.Services.GetRequiredService<IGpuPoolDriver>().ListNodesAsync();
        Assert.All(pool.Where(n => n.Region == Seed.RegionId && string.CompareOrdinal(n.Id, Seed.NodeId(Seed.Nodes - FreeNodes)) > 0),
            n => Assert.Equal(0, n.ReservedGpus));
    }

    [Fact]
    public async Task Provisioning_resumes_after_a_failed_batch_and_reserves_each_node_once()
    {
        var (tenantId, ownerId) = await NewCustomerAsync();
        var start = factory.ThisHour.AddDays(40);
        Lease lease;
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var held = await member.Quoting.HoldAsync(new LeaseRequest(Seed.RegionId, Seed.SkuId, FreeNodes * 8, start, 24));
            lease = await member.Signing.SignAsync(held.Id, "Grace Hopper", accepted: true);
        }
        using var scope = factory.Services.CreateScope();
        var driver = new CountingDriver(scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>(), failAfter: BatchedReservations.BatchSize);
        var pool = new LifecyclePool(driver, scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>(), factory.Clock,
            NullLogger<LifecyclePool>.Instance);
        var batches = new BatchedReservations(pool);

        var first = await batches.ReserveAsync(await FirmAsync(lease.Id, unreservedOnly: true), CancellationToken.None);
        Assert.Equal(BatchedReservations.BatchSize, first.Count(r => r.Result.Succeeded));
        Assert.Equal(FreeNodes - BatchedReservations.BatchSize, await UnreservedAsync(lease.Id));

        driver.Heal();
        var resumed = await batches.ReserveAsync(await FirmAsync(lease.Id, unreservedOnly: true), CancellationToken.None);
        Assert.All(resumed, r => Assert.True(r.Result.Succeeded));
        Assert.Equal(0, await UnreservedAsync(lease.Id));
        var all = await FirmAsync(lease.Id, unreservedOnly: false);
        Assert.Equal(FreeNodes, all.Count);
        Assert.All(all, a => Assert.Equal(1, driver.Reserved(a.Id)));
    }

    // Per-tenant limits stay in force: Support raises them for a whole-region deal.
    private async Task<(Guid TenantId, string OwnerId)> NewCustomerAsync()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var support = await SupportScope.CreateAsync(factory);
        var limits = support.ServiceProvider.GetRequiredService<TenantLimitsAdmin>();
        await limits.SetVerifiedAsync(tenantId, true);
        await limits.SetGpuQuotaAsync(tenantId, Seed.SkuId, TenantLimitsAdmin.MaxGpuQuota);
        await limits.SetSpendCeilingAsync(tenantId, Portal.Core.Spend.SpendOptions.MaxCeilingMicros);
        return (tenantId, ownerId);
    }

    private static async Task<int> FreeGpusAsync(AvailabilityQueries availability, DateTime start, int hours)
    {
        var calendar = await availability.CalendarAsync(Seed.RegionId, Seed.SkuId);
        var from = (int)(start - calendar.Start).TotalHours;
        return calendar.HourFree.Skip(from).Take(hours).Min();
    }

    private async Task<LeaseState> StateAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Leases.IgnoreQueryFilters().Where(l => l.Id == leaseId).Select(l => l.State).FirstAsync();
    }

    private async Task<int> UnreservedAsync(Guid leaseId) => (await FirmAsync(leaseId, unreservedOnly: true)).Count;

    private async Task<List<Allocation>> FirmAsync(Guid leaseId, bool unreservedOnly)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Allocations.AsNoTracking()
            .Where(a => a.LeaseId == leaseId && a.Status == AllocationStatus.Firm && (!unreservedOnly || a.ReservedAt == null)).ToListAsync();
    }
}
