using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Pool;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>
/// The portal's locks serialise what must not interleave, on the database the suite runs on (SQLite, or PostgreSQL when
/// PORTAL_TEST_POSTGRES is set): the second transaction waits until the first commits and then reads what it wrote.
/// </summary>
public sealed class PortalLocksTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Two_transactions_on_one_pool_run_one_after_the_other()
    {
        var tenant = await NewTenantAsync();
        var (region, sku) = NewPool();
        await Serialised(tenant,
            first => PoolTransaction.BeginAsync(first, region, sku),
            second => PoolTransaction.BeginAsync(second, region, sku));
    }

    [Fact]
    public async Task Two_team_transactions_on_one_organisation_run_one_after_the_other()
    {
        var tenant = await NewTenantAsync();
        await Serialised(tenant,
            first => TeamTransaction.BeginAsync(first, tenant),
            second => TeamTransaction.BeginAsync(second, tenant));
    }

    [Fact]
    public async Task An_organisations_limits_are_checked_one_transaction_at_a_time_even_in_two_pools()
    {
        var tenant = await NewTenantAsync();
        var (regionA, skuA) = NewPool();
        var (regionB, skuB) = NewPool();
        await Serialised(tenant,
            first => PoolThenTenantAsync(first, regionA, skuA, tenant),
            second => PoolThenTenantAsync(second, regionB, skuB, tenant));
    }

    [Fact]
    public async Task Locking_several_organisations_makes_a_change_to_any_of_them_wait()
    {
        var tenant = await NewTenantAsync();
        var other = await NewTenantAsync();
        // The first renames the other organisation, not the one the second waits for: only the lock on both makes it wait.
        await Serialised(other,
            async first =>
            {
                var tx = await first.Locks.BeginTeamAsync(first, other);
                await first.Locks.LockTenantsAsync(first, [other, tenant]);
                return tx;
            },
            second => second.Locks.BeginTeamAsync(second, tenant));
    }

    [Fact]
    public async Task Every_context_of_one_portal_gets_the_portals_one_lock_service()
    {
        using var scope = factory.Services.CreateScope();
        await using var one = factory.CreateDbContext(scope);
        using var otherScope = factory.Services.CreateScope();
        await using var two = factory.CreateDbContext(otherScope);
        Assert.Same(factory.Services.GetRequiredService<PortalLocks>(), one.Locks);
        Assert.Same(one.Locks, two.Locks);
    }

    /// <summary>
    /// The first transaction renames an organisation; the second, begun while the first is open, must wait for it and
    /// then read the new name (a second that did not wait would finish first, or read the old name).
    /// </summary>
    private async Task Serialised(Guid renamedTenant, Func<PortalDbContext, Task<IDbContextTransaction>> beginFirst,
        Func<PortalDbContext, Task<IDbContextTransaction>> beginSecond)
    {
        using var scope = factory.Services.CreateScope();
        await using var first = factory.CreateDbContext(scope);
        await using var second = factory.CreateDbContext(scope);
        var renamed = "Renamed " + Guid.NewGuid().ToString("N")[..8];

        await using var firstTx = await beginFirst(first);
        await first.Tenants.Where(t => t.Id == renamedTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.Name, renamed));
        var secondBegin = beginSecond(second);
        await LockWaits.UntilWaitingAsync(factory, secondBegin);
        Assert.False(secondBegin.IsCompleted, "the second transaction began while the first still held the lock");

        await firstTx.CommitAsync();
        await using var secondTx = await secondBegin;
        Assert.Equal(renamed, await second.Tenants.Where(t => t.Id == renamedTenant).Select(t => t.Name).SingleAsync());
        await secondTx.CommitAsync();
    }

    private static async Task<IDbContextTransaction> PoolThenTenantAsync(PortalDbContext db, string region, string sku, Guid tenantId)
    {
        var tx = await PoolTransaction.BeginAsync(db, region, sku);
        await db.Locks.LockTenantAsync(db, tenantId);
        return tx;
    }

    private async Task<Guid> NewTenantAsync() => (await factory.CreateOrganizationAsync(await factory.CreateUserAsync())).Id;

    // A pool of its own per test: its lock row (PostgreSQL) is created by the first transaction that takes it.
    private static (string Region, string Sku) NewPool() => ("lock-region-" + Guid.NewGuid().ToString("N")[..8], "lock-sku");

}
