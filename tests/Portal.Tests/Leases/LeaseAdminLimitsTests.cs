using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Leases;

/// <summary>Support searches every tenant's leases (audited when opened) and sets the limits a tenant leases within.</summary>
public class LeaseAdminLimitsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task Support_finds_leases_across_tenants_and_opening_one_is_audited_once()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync("Findable " + Guid.NewGuid().ToString("N")[..6]);
        Lease held;
        await using (var member = await factory.As(tenantId, ownerId))
            held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "a100-80gb", 2, factory.ThisHour.AddHours(30), 3));
        string tenantName;
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            tenantName = (await db.Tenants.FirstAsync(t => t.Id == tenantId)).Name;

        await using var support = await SupportScope.CreateAsync(factory);
        var admin = support.Get<LeaseAdminQueries>();
        var byName = await admin.SearchAsync(new AdminLeaseQuery(Tenant: tenantName.ToUpperInvariant()));
        var byState = await admin.SearchAsync(new AdminLeaseQuery(State: LeaseState.Held, TenantId: tenantId, SkuId: "a100-80gb", RegionId: "us-south-1"));
        var none = await admin.SearchAsync(new AdminLeaseQuery(State: LeaseState.Active, TenantId: tenantId));
        var opened = await admin.OpenAsync(held.Id);
        await admin.OpenAsync(held.Id);

        Assert.Equal([held.Id], byName.Items.Select(r => r.Id));
        Assert.Equal(tenantName, byName.Items[0].TenantName);
        Assert.Equal([held.Id], byState.Items.Select(r => r.Id));
        Assert.Empty(none.Items);
        Assert.Equal(2, opened!.Lease.Allocations.Sum(a => a.Gpus));
        Assert.Null(await admin.OpenAsync(Guid.NewGuid()));
        using var check = factory.Services.CreateScope();
        await using var checkDb = factory.CreateDbContext(check);
        Assert.Equal(1, await checkDb.AuditEvents.CountAsync(e => e.Action == "lease.viewed" && e.TargetId == held.Id.ToString() && e.TenantId == tenantId));
    }

    [Fact]
    public async Task Quotes_beyond_the_quota_or_the_spend_ceiling_support_set_are_refused_saying_what_is_left()
    {
        var (client, tenantId, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        await using var support = await SupportScope.CreateAsync(factory);
        var admin = support.Get<TenantLimitsAdmin>();
        Assert.True((await Outcome.Of(admin.SetGpuQuotaAsync(tenantId, "h200-141gb", 8))).Succeeded);
        Assert.True((await Outcome.Of(admin.SetSpendCeilingAsync(tenantId, 100 * Money.MicrosPerDollar))).Succeeded);
        Assert.False((await Outcome.Of(admin.SetGpuQuotaAsync(tenantId, "h200-141gb", -1))).Succeeded);
        Assert.False((await Outcome.Of(admin.SetGpuQuotaAsync(tenantId, "tpu-v9", 8))).Succeeded);
        Assert.False((await Outcome.Of(admin.SetSpendCeilingAsync(tenantId, -5))).Succeeded);
        var start = factory.ThisHour.AddHours(80);
        await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("h200-141gb", 4, start, 4)); // $52.64

        var overQuota = await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", LeaseApiTests.Body("h200-141gb", 8, start, 4));
        var overSpend = await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", LeaseApiTests.Body("h100-sxm-80gb", 8, start, 4)); // $79.68

        var quota = await LeaseApiCalls.ProblemAsync(overQuota, HttpStatusCode.Conflict, "quota_exceeded");
        Assert.Contains("quota is 8 (4 left", quota.GetProperty("detail").GetString());
        var spend = await LeaseApiCalls.ProblemAsync(overSpend, HttpStatusCode.Conflict, "spend_limit_exceeded");
        // No Owner limit: the ceiling is the monthly limit; the held quote counts against it.
        Assert.Contains("would add $79.68", spend.GetProperty("detail").GetString());
        Assert.Contains("$47.36 of your $100.00 monthly limit is left", spend.GetProperty("detail").GetString());
        var limits = await admin.LimitsAsync(tenantId);
        Assert.Equal(100 * Money.MicrosPerDollar, limits!.SpendCeilingMicros);
        Assert.Equal(100 * Money.MicrosPerDollar, limits.Month.LimitMicros);
        Assert.Equal(8, limits.Quotas.Single(q => q.SkuId == "h200-141gb").MaxGpus);
        Assert.Null(limits.Quotas.Single(q => q.SkuId == "h100-sxm-80gb").MaxGpus);

        // Back to the defaults: the same quote goes through.
        Assert.True((await Outcome.Of(admin.SetGpuQuotaAsync(tenantId, "h200-141gb", null))).Succeeded);
        Assert.True((await Outcome.Of(admin.SetSpendCeilingAsync(tenantId, null))).Succeeded);
        await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("h200-141gb", 8, start, 4));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.False(await db.Set<GpuQuota>().AnyAsync(q => q.TenantId == tenantId));
        Assert.Equal(2, await db.AuditEvents.CountAsync(e => e.Action == "tenant.gpu_quota_set" && e.TenantId == tenantId));
        Assert.Equal(2, await db.AuditEvents.CountAsync(e => e.Action == "tenant.spend_ceiling_set" && e.TenantId == tenantId));
    }
}
