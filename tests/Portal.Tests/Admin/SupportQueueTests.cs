using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Admin;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Admin;

/// <summary>Issue 16: Support's home lists what needs a person, each row linking to the page where it is handled.</summary>
public sealed class SupportQueueTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_queue_lists_a_lease_to_approve_a_failed_provisioning_an_overdue_invoice_and_a_tenant_to_verify()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Queue Labs " + Guid.NewGuid().ToString("N")[..6]);
        var now = DateTime.UtcNow;
        Lease Lease(LeaseState state) => new()
        {
            TenantId = tenant.Id, RegionId = "us-east-2", SkuId = "a100-80gb", Gpus = 2, Start = now.AddHours(1), End = now.AddHours(4),
            State = state, MicrosPerGpuHour = 1_290_000, PriceMicros = 7_740_000, CreatedAt = now, SignedAt = now, NeedsApproval = true,
            FailureReason = state == LeaseState.Failed ? "No node answered" : null,
        };
        var pending = Lease(LeaseState.PendingApproval);
        var failed = Lease(LeaseState.Failed);
        var invoice = new Invoice
        {
            TenantId = tenant.Id, Number = "INV-QUEUE-" + Guid.NewGuid().ToString("N")[..6], PeriodStart = now.AddMonths(-3), State = InvoiceState.Issued,
            SubtotalMicros = 14_940_000, TotalMicros = 14_940_000, CreatedAt = now.AddDays(-45), IssuedAt = now.AddDays(-45),
        };
        using var scope = factory.Services.CreateScope();
        await using (var db = factory.CreateDbContext(scope))
        {
            db.Leases.AddRange(pending, failed);
            db.Invoices.Add(invoice);
            await db.SaveChangesAsync();
        }

        var sections = (await scope.ServiceProvider.GetRequiredService<SupportQueue>().LoadAsync()).ToDictionary(s => s.Key);

        AssertListed(sections, "approval", $"/admin/leases/{pending.Id}", tenant.Name);
        AssertListed(sections, "provisioning", $"/admin/leases/{failed.Id}", "No node answered");
        AssertListed(sections, "invoices", $"/admin/billing/invoices/{invoice.Id}", invoice.Number);
        AssertListed(sections, "verify", $"/admin/tenants/{tenant.Id}", tenant.Name);
        Assert.DoesNotContain(sections["provisioning"].Items, i => i.Link == $"/admin/leases/{pending.Id}");
    }

    private static void AssertListed(Dictionary<string, SupportQueueSection> sections, string key, string link, string text)
    {
        Assert.True(sections.TryGetValue(key, out var section), $"No '{key}' section in the queue: {string.Join(", ", sections.Keys)}.");
        var item = Assert.Single(section.Items, i => i.Link == link);
        Assert.Contains(text, item.Title + " " + item.Detail);
        Assert.True(section.Total >= section.Items.Count);
    }
}
