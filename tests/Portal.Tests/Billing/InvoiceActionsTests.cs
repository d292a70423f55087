using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Billing;

/// <summary>
/// Issuing once whatever runs, credits that carry over, and Support's void, re-issue and mark paid (audited, refused when they do not apply).
/// </summary>
public class InvoiceActionsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private static readonly DateTime February = BillingKit.Month(2027, 2); // the clock starts on March 1st
    private readonly BillingKit kit = new(factory);

    [Fact]
    public async Task Issuing_twice_or_concurrently_issues_once_and_a_tenant_with_nothing_to_bill_gets_no_invoice()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        var (idleId, _) = await factory.NewTenantAsync();
        await kit.AddCreditRowAsync(idleId, 5_000_000); // a credit alone is not a reason to invoice
        await InsertUsageAsync(tenantId, 12_345_678);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => kit.IssueAsync(February))));
        await kit.IssueAsync(February);

        var invoice = Assert.Single(await kit.InvoicesAsync(tenantId));
        Assert.Equal(12_345_678, invoice.TotalMicros);
        Assert.Empty(await kit.InvoicesAsync(idleId));
    }

    [Fact]
    public async Task A_credit_larger_than_the_invoice_makes_it_zero_and_carries_the_rest_to_the_next_one()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        await InsertUsageAsync(tenantId, 3_000_000);
        await kit.AddCreditRowAsync(tenantId, 5_000_000);
        await kit.IssueAsync(February);
        var first = Assert.Single(await kit.InvoicesAsync(tenantId));
        Assert.Equal((3_000_000L, 0L, InvoiceState.Paid), (first.CreditsMicros, first.TotalMicros, first.State)); // nothing to pay

        await InsertUsageAsync(tenantId, 4_000_000, BillingKit.Month(2027, 3));
        kit.MoveTo(new DateTime(2027, 4, 1, 1, 0, 0, DateTimeKind.Utc));
        await kit.IssueAsync();
        var second = (await kit.InvoicesAsync(tenantId)).Single(i => i.Id != first.Id);
        Assert.Equal((2_000_000L, 2_000_000L, InvoiceState.Issued), (second.CreditsMicros, second.TotalMicros, second.State));
    }

    [Fact]
    public async Task Support_voids_and_reissues_with_credits_added_since_and_every_action_is_audited()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        await InsertUsageAsync(tenantId, 10_000_000);
        await kit.IssueAsync(February);
        var original = Assert.Single(await kit.InvoicesAsync(tenantId));
        await using var support = await SupportAsync();
        var billing = support.Get<BillingAdminActionService>();

        Assert.False((await Outcome.Of(billing.VoidAsync(original.Id, " "))).Succeeded); // a reason is required
        Assert.False((await Outcome.Of(billing.ReissueAsync(original.Id))).Succeeded); // only a void invoice is re-issued
        var voided = await Outcome.Of(billing.VoidAsync(original.Id, "Wrong rate applied"));
        Assert.True(voided.Succeeded, voided.Message);
        Assert.False((await Outcome.Of(billing.MarkPaidAsync(original.Id, "TX-1"))).Succeeded);
        Assert.True((await Outcome.Of(billing.AddCreditAsync(tenantId, 1_500_000, CreditKind.Goodwill, "Apology for the wrong invoice"))).Succeeded);
        Assert.False((await Outcome.Of(billing.AddCreditAsync(tenantId, 1_500_000, CreditKind.Goodwill, ""))).Succeeded);
        Assert.False((await Outcome.Of(billing.AddCreditAsync(tenantId, -1, CreditKind.Goodwill, "negative"))).Succeeded);

        var reissued = await Outcome.Of(billing.ReissueAsync(original.Id));
        Assert.True(reissued.Succeeded, reissued.Message);
        Assert.False((await Outcome.Of(billing.ReissueAsync(original.Id))).Succeeded); // already replaced
        var invoices = await kit.InvoicesAsync(tenantId);
        var replacement = invoices.Single(i => i.Id != original.Id);
        Assert.Equal((InvoiceState.Void, "Wrong rate applied"),
            (invoices.Single(i => i.Id == original.Id).State, invoices.Single(i => i.Id == original.Id).VoidReason));
        Assert.Equal((original.Id, 8_500_000L, InvoiceState.Issued), (replacement.ReplacesInvoiceId, replacement.TotalMicros, replacement.State));
        Assert.NotEqual(original.Number, replacement.Number);

        Assert.True((await Outcome.Of(billing.MarkPaidAsync(replacement.Id, "Bank transfer 4471"))).Succeeded);
        var refused = await Outcome.Of(billing.VoidAsync(replacement.Id, "Changed my mind"));
        Assert.False(refused.Succeeded);
        Assert.Contains("add a credit", refused.Message);

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var actions = await db.AuditEvents.Where(e => e.TenantId == tenantId).Select(e => e.Action).ToListAsync();
        Assert.Equal(1, actions.Count(a => a == BillingAdminActions.InvoiceVoided));
        Assert.Equal(1, actions.Count(a => a == BillingAdminActions.InvoiceReissued));
        Assert.Equal(1, actions.Count(a => a == BillingAdminActions.InvoicePaid));
        Assert.Equal(1, actions.Count(a => a == BillingAdminActions.CreditAdded));
    }

    [Fact]
    public async Task The_pdf_and_csv_say_what_the_invoice_says()
    {
        var (tenantId, _) = await factory.NewTenantAsync("Csv & Pdf Ltd");
        await InsertUsageAsync(tenantId, 7_250_000);
        await kit.AddCreditRowAsync(tenantId, 250_000, reason: "Late start, sorry");
        await kit.IssueAsync(February);
        var invoice = Assert.Single(await kit.InvoicesAsync(tenantId));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var detail = (await InvoiceDetail.LoadAsync(db, invoice.Id, false, default))!;

        var pdf = InvoicePdf.Render(detail);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
        var csv = System.Text.Encoding.UTF8.GetString(InvoiceCsv.Render(detail)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("invoice,period,kind,description", csv[0].TrimStart('\uFEFF'));
        Assert.Contains(csv, l => l.StartsWith($"{invoice.Number},2027-02,lease,") && l.EndsWith(",7.250000,7250000"));
        Assert.Contains(csv, l => l.Contains(",credit,\"Goodwill: Late start, sorry\",") && l.EndsWith(",-0.250000,-250000"));
        Assert.Equal($"{invoice.Number},2027-02,total,,,,,,,,,,7.000000,7000000", csv[^1]);
    }

    /// <summary>A lease's usage in February, inserted as the metering job would have written it.</summary>
    private async Task InsertUsageAsync(Guid tenantId, long micros, DateTime? month = null)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = await LeaseRowAsync(db, tenantId);
        db.UsageRecords.Add(new UsageRecord
        {
            TenantId = tenantId, PeriodStart = (month ?? February).AddDays(3).AddHours(5), Source = UsageSource.Lease, SourceId = lease.ToString(),
            SkuId = "h100-sxm-80gb", RegionId = "us-south-1", GpuSeconds = 3600, AmountMicros = micros, RecordedAt = factory.Now,
        });
        await db.SaveChangesAsync();
    }

    private static async Task<Guid> LeaseRowAsync(Portal.Core.Data.PortalDbContext db, Guid tenantId)
    {
        if (await db.Leases.Where(l => l.TenantId == tenantId).Select(l => (Guid?)l.Id).FirstOrDefaultAsync() is { } id) return id;
        var lease = new Portal.Core.Leases.Lease
        {
            TenantId = tenantId, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 1, Start = February, End = February.AddHours(1),
            State = Portal.Core.Leases.LeaseState.Ended, MicrosPerGpuHour = 2_490_000, CreatedAt = February,
        };
        db.Leases.Add(lease);
        await db.SaveChangesAsync();
        return lease.Id;
    }

    private async Task<MemberScope> SupportAsync()
    {
        var scope = factory.Services.CreateAsyncScope();
        var origin = scope.ServiceProvider.GetRequiredService<Portal.Core.Audit.AuditOrigin>();
        (origin.UserId, origin.UserName) = ("support-user", PortalFactory.SupportEmail);
        return new MemberScope(scope);
    }
}
