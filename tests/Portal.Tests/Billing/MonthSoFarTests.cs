using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Spend.UsagePageTests;

namespace Portal.Tests.Billing;

/// <summary>
/// One figure for the month so far, live: the dashboard, Usage, the draft invoice and the lease page show the same amount
/// minutes after a lease starts (before the hourly meter has written anything), and the same again once it has.
/// </summary>
public class MonthSoFarTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private readonly BillingKit kit = new(factory);

    [Fact]
    public async Task Minutes_after_signing_the_dashboard_usage_draft_invoice_and_lease_page_agree_and_still_do_after_the_meter_runs()
    {
        kit.MoveTo(factory.ThisHour.AddHours(1).AddMinutes(7));
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var lease = await kit.Leases.ActiveAsync(tenant.Id, owner.Id, new LeaseRequest("us-south-1", "a100-80gb", 1, factory.ThisHour, 3));
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);

        factory.Clock.Advance(TimeSpan.FromMinutes(37)); // 37 minutes in: nothing metered yet
        var live = await SoFarAsync(tenant.Id);
        Assert.Equal(37 * 60L, live.Records.Sum(r => r.GpuSeconds));
        Assert.All(live.Records, r => Assert.Equal(default, r.RecordedAt)); // all of it live
        await AllPagesShowAsync(client, lease.Id, live.TotalMicros);

        kit.MoveTo(factory.ThisHour.AddHours(1).AddMinutes(5)); // into the next hour: the meter can write the first
        var before = await SoFarAsync(tenant.Id);
        await AllPagesShowAsync(client, lease.Id, before.TotalMicros);
        Assert.Equal(1, await kit.MeterAsync());
        var after = await SoFarAsync(tenant.Id);
        Assert.Contains(after.Records, r => r.RecordedAt != default); // the first hour is a stored record now
        Assert.Equal(before.TotalMicros, after.TotalMicros); // what the meter wrote is what the pages showed
        await AllPagesShowAsync(client, lease.Id, after.TotalMicros);
    }

    [Fact]
    public async Task The_invoices_list_links_the_draft_even_before_anything_is_billed()
    {
        var owner = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(owner);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);
        var page = await client.GetPageAsync("/billing/invoices");
        Assert.Contains("href=\"/billing/invoices/draft\"", page);
        Assert.Equal("$0.00", Figure(page, "draft-total"));
    }

    [Theory]
    [InlineData(499_999_110_249L, "$499,999.11", "$499,999.110249")]
    [InlineData(345_863L, "$0.35", "$0.345863")]
    [InlineData(889_751L, "$0.89", "$0.889751")]
    [InlineData(5_000L, "< $0.01", "$0.005")]
    [InlineData(1_005_000L, "$1.01", "$1.005")]
    [InlineData(890_000L, "$0.89", null)]
    [InlineData(0L, "$0.00", null)]
    [InlineData(-1_250_000L, "-$1.25", null)]
    public void Amounts_read_to_the_cent_with_the_exact_figure_for_the_hover(long micros, string shown, string? exact)
    {
        Assert.Equal(shown, Money.Cents(micros));
        Assert.Equal(exact, Money.ExactIfRounded(micros));
    }

    private async Task<MonthToDate> SoFarAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await MonthToDate.ReadAsync(db, tenantId, factory.Now);
    }

    private static async Task AllPagesShowAsync(PortalClient client, Guid leaseId, long micros)
    {
        var amount = Money.Cents(micros);
        Assert.NotEqual("$0.00", amount);
        var dashboard = await client.GetPageAsync("/");
        Assert.Equal(amount, Figure(dashboard, "spend-so-far"));
        Assert.Matches(@"^\$[\d,]+\.\d\d$", Figure(dashboard, "spend-left")); // to the cent, never "$499,999.110249"
        Assert.Equal(amount, Figure(await client.GetPageAsync("/usage"), "usage-total-cost"));
        Assert.Equal(amount, Figure(await client.GetPageAsync("/billing/invoices/draft"), "invoice-total"));
        Assert.Equal(amount, Figure(await client.GetPageAsync("/billing/invoices"), "draft-total"));
        var costs = WebUtility.HtmlDecode(Figure(await client.GetPageAsync($"/leases/{leaseId}"), "cost-so-far"));
        Assert.EndsWith("· " + amount, costs);
    }
}
