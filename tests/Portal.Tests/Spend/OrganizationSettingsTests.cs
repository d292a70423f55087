using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Refusals;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;
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

        var badEmail = await Assert.ThrowsAsync<FieldsRefusedException>(() => settings.SetBillingEmailAsync("not-an-address"));
        var overCeiling = await Assert.ThrowsAsync<FieldsRefusedException>(() => settings.SetSpendLimitAsync(2_500 * Dollar));
        var negative = await Outcome.Of(settings.SetSpendLimitAsync(-1));
        Assert.Contains("billing@example.com", badEmail.Errors["BillingEmail"]);
        Assert.Equal("The monthly limit can be at most $2,000.00, the ceiling set for your organisation. Contact Support to raise the ceiling.",
            overCeiling.Errors["SpendLimit"]);
        Assert.False(negative.Succeeded);

        Assert.True((await Outcome.Of(settings.SetBillingEmailAsync("  ap@acme.example "))).Succeeded);
        Assert.True((await Outcome.Of(settings.SetSpendLimitAsync(1_500 * Dollar))).Succeeded);
        Assert.True((await Outcome.Of(settings.RenameAsync("Acme Renamed"))).Succeeded);

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

        var email = await Assert.ThrowsAsync<TenantActionRefusedException>(() => settings.SetBillingEmailAsync("ap@roles.example"));
        var limit = await Assert.ThrowsAsync<TenantActionRefusedException>(() => settings.SetSpendLimitAsync(10 * Dollar));
        var rename = await Outcome.Of(settings.RenameAsync("Renamed by " + role));
        var read = await settings.GetAsync();

        // The one role refusal (403 forbidden), as every feature words it.
        Assert.Equal($"Your role ({role}) cannot change the billing e-mail; ask an Owner of Roles Co {role}.", email.Message);
        Assert.Equal($"Your role ({role}) cannot change the monthly spend limit; ask an Owner of Roles Co {role}.", limit.Message);
        Assert.Equal((403, "forbidden"), (limit.Status, limit.Code));
        Assert.Equal(mayRename, rename.Succeeded);
        Assert.NotNull(read); // every member reads the settings
        Assert.Equal((false, mayRename), (read.CanManageBilling, read.CanRename));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var tenant = await db.Tenants.SingleAsync(t => t.Id == tenantId);
        Assert.Equal((null, (long?)null, mayRename ? "Renamed by " + role : "Roles Co " + role), (tenant.BillingEmail, tenant.SpendLimitMicros, tenant.Name));
    }

    [Fact]
    public async Task An_owner_demoted_to_admin_while_the_settings_page_is_open_cannot_change_the_spend_limit_or_billing_email()
    {
        var (tenantId, _) = await factory.NewTenantAsync("Demoted Co");
        var second = await factory.CreateUserAsync();
        var membership = await factory.AddMemberAsync(tenantId, second, TenantRole.Owner);
        await using var page = await factory.As(tenantId, second.Id);
        page.Get<CurrentTenant>().MarkLongLived(); // an open page, as the circuit handler marks it
        var settings = page.Get<OrganizationSettingsService>();
        Assert.True((await settings.GetAsync())!.CanManageBilling); // the page opened while they were an Owner

        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope);
            var row = await db.Memberships.IgnoreQueryFilters().SingleAsync(m => m.Id == membership.Id);
            row.Role = TenantRole.Admin;
            await db.SaveChangesAsync();
        }
        var limit = await Assert.ThrowsAsync<TenantActionRefusedException>(() => settings.SetSpendLimitAsync(10 * Dollar));
        var email = await Assert.ThrowsAsync<TenantActionRefusedException>(() => settings.SetBillingEmailAsync("ap@demoted.example"));

        Assert.Contains("Your role (Admin) cannot change the monthly spend limit", limit.Message);
        Assert.Equal(403, email.Status);
        using var check = factory.Services.CreateScope();
        await using var read = factory.CreateDbContext(check);
        var tenant = await read.Tenants.SingleAsync(t => t.Id == tenantId);
        Assert.Equal((null, (long?)null), (tenant.BillingEmail, tenant.SpendLimitMicros));
    }
}
