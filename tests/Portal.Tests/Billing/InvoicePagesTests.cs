using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Billing;

/// <summary>
/// The invoice pages and downloads over HTTP: any member reads (Viewers too), another organisation's invoice is a 404, Support's pages are Support's.
/// </summary>
public class InvoicePagesTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private readonly BillingKit kit = new(factory);

    [Fact]
    public async Task A_viewer_reads_the_invoice_and_downloads_it_while_another_organisation_gets_404s()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Invoice Readers");
        var viewer = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenant.Id, viewer, TenantRole.Viewer);
        var invoice = await InvoiceAsync(tenant.Id);
        var stranger = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(stranger, "Someone Else");

        using var viewerClient = factory.CreatePortalClient();
        await viewerClient.SignInOrFailAsync(viewer.Email!);
        var list = await viewerClient.GetPageAsync("/billing/invoices");
        Assert.Contains(invoice.Number, list);
        var page = await viewerClient.GetPageAsync(InvoiceLinks.Invoice(invoice.Id));
        Assert.Contains("$9.99", page);
        Assert.Contains(InvoiceLinks.Pdf(invoice), WebUtility.HtmlDecode(page));
        var pdf = await viewerClient.GetAsync(InvoiceLinks.Pdf(invoice));
        Assert.Equal((HttpStatusCode.OK, "application/pdf"), (pdf.StatusCode, pdf.Content.Headers.ContentType?.MediaType));
        var csv = await viewerClient.GetAsync(InvoiceLinks.Csv(invoice));
        Assert.Contains(invoice.Number + ",", await csv.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await viewerClient.GetAsync("/admin/billing")).StatusCode); // to access denied

        using var strangerClient = factory.CreatePortalClient();
        await strangerClient.SignInOrFailAsync(stranger.Email!);
        Assert.DoesNotContain(invoice.Number, await strangerClient.GetPageAsync("/billing/invoices"));
        Assert.Equal(HttpStatusCode.NotFound, (await strangerClient.GetAsync(InvoiceLinks.Invoice(invoice.Id))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await strangerClient.GetAsync(InvoiceLinks.Pdf(invoice))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await strangerClient.GetAsync(InvoiceLinks.Csv(invoice))).StatusCode);
    }

    [Fact]
    public async Task An_organisation_without_invoices_sees_when_its_first_arrives()
    {
        var owner = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(owner);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);
        Assert.Contains("No invoices yet", await client.GetPageAsync("/billing/invoices"));
    }

    [Fact]
    public async Task Support_finds_the_invoice_across_tenants_and_its_page_is_audited()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Audited Customer");
        var invoice = await InvoiceAsync(tenant.Id);
        using var support = factory.CreatePortalClient();
        await support.SignInOrFailAsync(PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        var list = await support.GetPageAsync("/admin/billing?q=audited");
        Assert.Contains(invoice.Number, list);
        Assert.Contains("Audited Customer", list);
        var page = await support.GetPageAsync($"/admin/billing/invoices/{invoice.Id}");
        Assert.Contains("Mark paid", page);
        var pdf = await support.GetAsync($"/admin/billing/invoices/{invoice.Id}/{invoice.Number}.pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.True(db.AuditEvents.Any(e => e.Action == BillingAdminActions.InvoiceViewed && e.TargetId == invoice.Id.ToString()));
    }

    [Fact]
    public async Task The_month_in_progress_is_a_draft_that_takes_no_credit_and_is_what_the_1st_issues()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Draft Readers");
        var month = new DateTime(factory.Now.Year, factory.Now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);
        Assert.Contains("Nothing to bill this month yet", await client.GetPageAsync("/billing/invoices/draft"));

        await UsageAsync(tenant.Id, month, 9_990_000);
        var credit = await kit.AddCreditRowAsync(tenant.Id, 5_000_000, reason: "Sorry for the outage");
        var list = await client.GetPageAsync("/billing/invoices");
        Assert.Contains("data-testid=\"draft-total\">$4.99<", list);
        var draft = WebUtility.HtmlDecode(await client.GetPageAsync("/billing/invoices/draft"));
        Assert.Contains($"Draft {month:yyyy-MM}", draft);
        Assert.Contains("$9.99", draft);
        Assert.Contains("Sorry for the outage", draft);
        Assert.Contains($"not yet: on {month.AddMonths(1):yyyy-MM-dd}", draft);

        // Reading the draft saved nothing: no invoice, and the credit is still whole.
        Assert.Empty(await kit.InvoicesAsync(tenant.Id));
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            Assert.False(db.CreditApplications.Any(a => a.CreditId == credit.Id));

        kit.MoveTo(month.AddMonths(1).AddMinutes(30));
        await kit.IssueAsync();
        var issued = Assert.Single(await kit.InvoicesAsync(tenant.Id));
        Assert.Equal((InvoiceState.Issued, 4_990_000L, 5_000_000L), (issued.State, issued.TotalMicros, issued.CreditsMicros));
        using var nextMonth = factory.CreatePortalClient(); // a month on, the first sign-in has expired
        await nextMonth.SignInOrFailAsync(owner.Email!);
        Assert.Contains("Nothing to bill this month yet", await nextMonth.GetPageAsync("/billing/invoices/draft"));
    }

    private async Task UsageAsync(Guid tenantId, DateTime at, long micros)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = new Portal.Core.Leases.Lease
        {
            TenantId = tenantId, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 1, Start = at, End = at.AddHours(1),
            State = Portal.Core.Leases.LeaseState.Ended, MicrosPerGpuHour = micros, CreatedAt = at, ActivatedAt = at,
        };
        db.Leases.Add(lease);
        db.UsageRecords.Add(new UsageRecord
        {
            TenantId = tenantId, PeriodStart = at, Source = UsageSource.Lease, SourceId = lease.Id.ToString(),
            SkuId = lease.SkuId, RegionId = lease.RegionId, GpuSeconds = 3600, AmountMicros = micros, RecordedAt = at,
        });
        await db.SaveChangesAsync();
    }

    private async Task<Invoice> InvoiceAsync(Guid tenantId)
    {
        var february = BillingKit.Month(2027, 2);
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            var lease = new Portal.Core.Leases.Lease
            {
                TenantId = tenantId, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 1, Start = february, End = february.AddHours(4),
                State = Portal.Core.Leases.LeaseState.Ended, MicrosPerGpuHour = 9_990_000, CreatedAt = february, ActivatedAt = february,
            };
            db.Leases.Add(lease);
            db.UsageRecords.Add(new UsageRecord
            {
                TenantId = tenantId, PeriodStart = february.AddHours(1), Source = UsageSource.Lease, SourceId = lease.Id.ToString(),
                SkuId = lease.SkuId, RegionId = lease.RegionId, GpuSeconds = 3600, AmountMicros = 9_990_000, RecordedAt = february,
            });
            await db.SaveChangesAsync();
        }
        await kit.IssueAsync(february);
        return Assert.Single(await kit.InvoicesAsync(tenantId));
    }
}
