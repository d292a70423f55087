using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.Spend;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;
using Portal.Tests.Refusals;

namespace Portal.Tests.Admin;

/// <summary>
/// A new organisation leases under a low GPU quota and spend ceiling until Support verifies it on the tenant page
/// (audited); the pages say what the limits are and how to raise them.
/// </summary>
public sealed class TenantVerificationTests(QuoteLimitsFactory factory) : IClassFixture<QuoteLimitsFactory>
{
    private const string Region = "us-east-2";
    private const string A100 = "a100-80gb";

    [Fact]
    public async Task A_new_tenant_has_low_limits_until_Support_verifies_it_and_both_changes_are_audited()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var sixteen = new LeaseRequest(Region, A100, 16, factory.ThisHour.AddHours(300), 2);

        var refused = await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(sixteen));
        Assert.Equal("quota_exceeded", refused.Code);
        Assert.Contains("quota is 8", refused.Message);
        Assert.Contains("contact Support to verify yours and raise it", refused.Message);
        var limit = await Assert.ThrowsAsync<FieldsRefusedException>(() =>
            member.Get<OrganizationSettingsService>().SetSpendLimitAsync(5_000 * Money.MicrosPerDollar));
        Assert.Contains("at most $1,000.00", limit.Errors["SpendLimit"]);
        Assert.Contains("contact Support to verify", limit.Errors["SpendLimit"]);

        await using var support = await SupportScope.CreateAsync(factory);
        var admin = support.Get<TenantLimitsAdmin>();
        var before = await admin.LimitsAsync(tenantId);
        Assert.False(before!.Verified);
        Assert.Equal(8, before.DefaultGpuQuota);
        Assert.Equal(1_000 * Money.MicrosPerDollar, before.EffectiveSpendCeilingMicros);

        Assert.True((await Outcome.Of(admin.SetVerifiedAsync(tenantId, true))).Succeeded);
        var after = await admin.LimitsAsync(tenantId);
        Assert.True(after!.Verified);
        Assert.Equal(256, after.DefaultGpuQuota);
        Assert.Equal(500_000 * Money.MicrosPerDollar, after.EffectiveSpendCeilingMicros);
        Assert.Equal(LeaseState.Held, (await member.Quoting.HoldAsync(sixteen)).State);
        Assert.True((await Outcome.Of(member.Get<OrganizationSettingsService>().SetSpendLimitAsync(5_000 * Money.MicrosPerDollar))).Succeeded);

        // A quota Support sets wins over the defaults, verified or not; unverifying brings the low defaults back.
        Assert.True((await Outcome.Of(admin.SetGpuQuotaAsync(tenantId, A100, 20))).Succeeded);
        Assert.True((await Outcome.Of(admin.SetVerifiedAsync(tenantId, false))).Succeeded);
        Assert.Equal(20, (await admin.LimitsAsync(tenantId))!.Quotas.Single(q => q.SkuId == A100).EffectiveMaxGpus);
        Assert.Equal(4, (await member.Quoting.HoldAsync(sixteen with { Gpus = 4 })).Gpus);
        var overQuota = await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(sixteen with { Gpus = 1, Start = sixteen.Start.AddHours(1) }));
        Assert.Contains("quota is 20", overQuota.Message);
        Assert.Contains("Ask Support to raise it", overQuota.Message);

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var events = await db.AuditEvents.Where(e => e.TargetId == tenantId.ToString() && (e.Action == "tenant.verified" || e.Action == "tenant.unverified"))
            .OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["tenant.verified", "tenant.unverified"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(PortalFactory.SupportEmail, e.ActorName));
        Assert.All(events, e => Assert.Equal(tenantId, e.TenantId));
        Assert.Contains("default GPU quota 256 GPUs, spend ceiling $500,000.00", events[0].Reason);
    }

    [Fact]
    public async Task The_pages_show_the_limits_and_how_to_raise_them_and_Support_sees_verify()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        await using (var member = await factory.As(tenant.Id, owner.Id))
            await member.Quoting.HoldAsync(new LeaseRequest(Region, A100, 2, factory.ThisHour.AddHours(400), 2));
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);

        foreach (var url in new[] { $"/leases/new?sku={A100}&region={Region}", "/settings/organization" })
        {
            var html = await client.GetPageAsync(url);
            Assert.Contains("data-testid=\"limits-unverified\"", html);
            Assert.Contains("1 of 3 at once", html);
            Assert.Contains("$1,000.00 a month", html);
            Assert.Contains("until Support verifies them: contact Support to verify yours and raise them", html);
        }
        Assert.Contains("8 GPUs of A100 80 GB at once", await client.GetPageAsync($"/leases/new?sku={A100}&region={Region}"));

        using var supportClient = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(supportClient, PortalFactory.SupportEmail, PortalFactory.SupportPassword);
        Assert.Contains("data-testid=\"verify-tenant\"", await supportClient.GetPageAsync($"/admin/tenants/{tenant.Id}"));

        await using (var support = await SupportScope.CreateAsync(factory))
            await support.Get<TenantLimitsAdmin>().SetVerifiedAsync(tenant.Id, true);
        var verified = await client.GetPageAsync("/settings/organization");
        Assert.Contains("data-testid=\"limits-verified\"", verified);
        Assert.Contains("$500,000.00 a month", verified);
        Assert.Contains("data-testid=\"unverify-tenant\"", await supportClient.GetPageAsync($"/admin/tenants/{tenant.Id}"));
    }
}
