using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Tenancy;

/// <summary>The one isolation mechanism: a query filter on every tenant-owned type and a guard on every write.</summary>
public sealed class TenantFilterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    /// <summary>Every entity type that says it is tenant-owned, found by reflection, so a new one cannot be forgotten.</summary>
    public static TheoryData<Type> TenantOwnedTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var t in typeof(PortalDbContext).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ITenantOwned).IsAssignableFrom(t)))
            data.Add(t);
        return data;
    }

    [Fact]
    public void There_are_tenant_owned_types_to_check() => Assert.NotEmpty(TenantOwnedTypes());

    [Theory]
    [MemberData(nameof(TenantOwnedTypes))]
    public async Task Every_tenant_owned_type_is_in_the_model_and_filtered_by_the_current_tenant(Type type)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        var entity = db.Model.FindEntityType(type);
        Assert.NotNull(entity);
        Assert.NotEmpty(entity.GetDeclaredQueryFilters());

        // The filter really reads the context's tenant: the SQL for a tenant-scoped query names TenantId.
        var query = (IQueryable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(type).Invoke(db, null)!;
        Assert.Contains("TenantId", query.ToQueryString());
    }

    [Fact]
    public async Task A_context_sees_only_its_own_tenants_memberships()
    {
        var (a, b) = (await factory.CreateUserAsync(), await factory.CreateUserAsync());
        var (tenantA, tenantB) = (await factory.CreateOrganizationAsync(a), await factory.CreateOrganizationAsync(b));

        using var scope = factory.Services.CreateScope();
        var dbFactory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var none = dbFactory.CreateDbContext();
        Assert.Empty(await none.Memberships.ToListAsync());

        await using var asA = dbFactory.CreateDbContext().ForTenant(tenantA.Id);
        var seen = await asA.Memberships.ToListAsync();
        Assert.Single(seen);
        Assert.All(seen, m => Assert.Equal(tenantA.Id, m.TenantId));
        Assert.Null(await asA.Memberships.FirstOrDefaultAsync(m => m.TenantId == tenantB.Id));
    }

    [Fact]
    public async Task Writes_to_another_tenants_rows_are_refused_and_nothing_changes()
    {
        var (a, b) = (await factory.CreateUserAsync(), await factory.CreateUserAsync());
        var (tenantA, tenantB) = (await factory.CreateOrganizationAsync(a), await factory.CreateOrganizationAsync(b));

        using var scope = factory.Services.CreateScope();
        var dbFactory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var asA = dbFactory.CreateDbContext().ForTenant(tenantA.Id))
        {
            // Adding a row stamped for B while acting as A.
            asA.Memberships.Add(new Membership { TenantId = tenantB.Id, UserId = a.Id, Role = TenantRole.Owner });
            await Assert.ThrowsAsync<CrossTenantWriteException>(() => asA.SaveChangesAsync());
        }
        await using (var asA = dbFactory.CreateDbContext().ForTenant(tenantA.Id))
        {
            // Editing B's row that was attached behind the filter's back.
            var bsRow = await factory.CreateDbContext(scope).Memberships.AsNoTracking().SingleAsync(m => m.TenantId == tenantB.Id);
            bsRow.Role = TenantRole.Viewer;
            asA.Memberships.Update(bsRow);
            await Assert.ThrowsAsync<CrossTenantWriteException>(() => asA.SaveChangesAsync());
        }
        await using (var asA = dbFactory.CreateDbContext().ForTenant(tenantA.Id))
        {
            // Moving A's own row to B.
            var own = await asA.Memberships.SingleAsync();
            own.TenantId = tenantB.Id;
            await Assert.ThrowsAsync<CrossTenantWriteException>(() => asA.SaveChangesAsync());
        }
        await using (var noTenant = dbFactory.CreateDbContext())
        {
            noTenant.Memberships.Add(new Membership { UserId = a.Id, Role = TenantRole.Owner });
            await Assert.ThrowsAsync<CrossTenantWriteException>(() => noTenant.SaveChangesAsync());
        }

        await using var check = factory.CreateDbContext(scope);
        var bMembers = await check.Memberships.Where(m => m.TenantId == tenantB.Id).ToListAsync();
        Assert.Equal([(b.Id, TenantRole.Owner)], bMembers.Select(m => (m.UserId, m.Role)));
        Assert.Single(await check.Memberships.Where(m => m.TenantId == tenantA.Id).ToListAsync());
    }

    [Fact]
    public async Task New_rows_are_stamped_with_the_current_tenant()
    {
        var owner = await factory.CreateUserAsync();
        var member = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        using var scope = factory.Services.CreateScope();
        await using var db = scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext().ForTenant(tenant.Id);
        var row = new Membership { UserId = member.Id, Role = TenantRole.Member };
        db.Memberships.Add(row);
        await db.SaveChangesAsync();
        Assert.Equal(tenant.Id, row.TenantId);
    }
}
