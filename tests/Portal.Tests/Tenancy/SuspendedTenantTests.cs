using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Tenancy;

/// <summary>A suspended organisation's members can sign in and read, but nothing that costs money can start.</summary>
public sealed class SuspendedTenantTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Members_of_a_suspended_tenant_sign_in_read_and_see_why()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Paused Labs");
        await Suspend(tenant.Id, "Invoice 2026-10 is 45 days overdue");

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);
        var home = await client.GetPageAsync("/");
        Assert.Contains("Paused Labs is suspended", home);
        Assert.Contains("Invoice 2026-10 is 45 days overdue", home);
        Assert.Contains(owner.Email!, await client.GetPageAsync("/organization/members"));
    }

    [Fact]
    public async Task Nothing_that_costs_money_can_start_while_suspended_and_can_again_after()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Spendy Co");

        (await Resolve(owner.Id)).EnsureCanSpend(); // does not throw

        await Suspend(tenant.Id, "Card declined");
        var refused = Assert.Throws<TenantActionRefusedException>((await Resolve(owner.Id)).EnsureCanSpend);
        Assert.Contains("Spendy Co is suspended", refused.Message);
        Assert.Contains("Card declined", refused.Message);

        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope);
            await db.Tenants.Where(t => t.Id == tenant.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TenantState.Active));
        }
        (await Resolve(owner.Id)).EnsureCanSpend(); // does not throw
    }

    [Fact]
    public async Task A_session_that_began_before_the_suspension_cannot_spend_after_it()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Long Session Inc");
        var session = await Resolve(owner.Id);

        await Suspend(tenant.Id, "Fraud review");

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() => session.EnsureCanSpendAsync(db));
        Assert.Contains("Fraud review", refused.Message);
    }

    [Fact]
    public async Task A_user_without_an_organisation_cannot_spend()
    {
        var loner = await factory.CreateUserAsync();
        var refused = Assert.Throws<TenantActionRefusedException>((await Resolve(loner.Id)).EnsureCanSpend);
        Assert.Contains("organisation", refused.Message);
    }

    private async Task<CurrentTenant> Resolve(string userId)
    {
        using var scope = factory.Services.CreateScope();
        var current = new CurrentTenant();
        var principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, userId)], "test"));
        await scope.ServiceProvider.GetRequiredService<TenantResolver>().ResolveAsync(principal, current);
        return current;
    }

    private async Task Suspend(Guid tenantId, string reason)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.State, TenantState.Suspended).SetProperty(t => t.SuspendedReason, reason));
    }
}
