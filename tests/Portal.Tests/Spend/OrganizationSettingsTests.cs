using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Spend.SpendKit;

namespace Portal.Tests.Spend;

/// <summary>Tenant settings: validated, audited, and only the roles allowed may change each setting (enforced in the service).</summary>
public class OrganizationSettingsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task An_owner_sets_the_billing_email_and_a_monthly_limit_within_the_ceiling_and_each_change_is_audited()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await LimitsAsync(factory, tenantId, limit: null, ceiling: 2_000 * Dollar);
        await using var owner = await factory.As(tenantId, ownerId);
        var settings = owner.Get<OrganizationSettingsService>();

        var badEmail = await settings.SetBillingEmailAsync("not-an-address");
        var overCeiling = await settings.SetSpendLimitAsync(2_500 * Dollar);
        var negative = await settings.SetSpendLimitAsync(-1);
        Assert.Contains("billing@example.com", badEmail.Errors["BillingEmail"]);
        Assert.Equal("The monthly limit can be at most $2,000.00, the ceiling set for your organisation. Contact Support to raise the ceiling.",
            overCeiling.Errors["SpendLimit"]);
        Assert.False(negative.Succeeded);

        Assert.True((await settings.SetBillingEmailAsync("  ap@acme.example ")).Succeeded);
        Assert.True((await settings.SetSpendLimitAsync(1_500 * Dollar)).Succeeded);
        Assert.True((await settings.RenameAsync("Acme Renamed")).Succeeded);

        var read = (await settings.GetAsync())!;
        Assert.Equal(("Acme Renamed", "ap@acme.example", 1_500 * Dollar, 2_000 * Dollar),
            (read.Name, read.BillingEmail, read.SpendLimitMicros, read.CeilingMicros));
        Assert.Equal(1_500 * Dollar, read.Month.LimitMicros);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var audit = await db.AuditEvents.Where(e => e.TenantId == tenantId && e.Action.StartsWith("tenant.")).Select(e => e.Action).ToListAsync();
        Assert.Equal(
            new[] { OrganizationSettingsService.BillingEmailSet, OrganizationSettingsService.SpendLimitSet, OrganizationSettingsService.Renamed }.Order(),
            audit.Where(a => a != "tenant.created").Order());
    }

    [Theory]
    [InlineData(TenantRole.Admin, true)]
    [InlineData(TenantRole.Member, false)]
    [InlineData(TenantRole.Viewer, false)]
    public async Task Only_owners_change_billing_settings_and_owners_or_admins_rename(TenantRole role, bool mayRename)
    {
        var (tenantId, _) = await factory.NewTenantAsync("Roles Co " + role);
        var user = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, user, role);
        await using var member = await factory.As(tenantId, user.Id);
        var settings = member.Get<OrganizationSettingsService>();

        var email = await settings.SetBillingEmailAsync("ap@roles.example");
        var limit = await settings.SetSpendLimitAsync(10 * Dollar);
        var rename = await settings.RenameAsync("Renamed by " + role);
        var read = await settings.GetAsync();

        Assert.Equal("Only Owners can change the billing e-mail.", email.Errors["BillingEmail"]);
        Assert.Equal("Only Owners can change the monthly spend limit.", limit.Errors["SpendLimit"]);
        Assert.Equal(mayRename, rename.Succeeded);
        Assert.NotNull(read); // every member reads the settings
        Assert.Equal((false, mayRename), (read.CanManageBilling, read.CanRename));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var tenant = await db.Tenants.SingleAsync(t => t.Id == tenantId);
        Assert.Equal((null, (long?)null, mayRename ? "Renamed by " + role : "Roles Co " + role), (tenant.BillingEmail, tenant.SpendLimitMicros, tenant.Name));
    }
}
