using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.BrowserTests;

/// <summary>What a tenant does with invoices in the browser; and last month's usage seeded through the portal's own services.</summary>
public sealed class InvoiceJourney(IPage page, StepScreenshots screenshots, PortalServer server)
{
    public async Task OpenEmptyInvoicesAsync()
    {
        await page.GotoAsync("/billing/invoices");
        await Expect(page.GetByTestId("invoices-empty")).ToBeVisibleAsync();
        await screenshots.TakeAsync(page, "invoices-empty");
    }

    /// <summary>
    /// Last month: a 2-GPU lease that ran 3 hours at $2.49 per GPU-hour ($14.94), as the metering job records it,
    /// then the monthly job issues the invoice. Returns its number.
    /// </summary>
    public async Task<string> SeedLastMonthsInvoiceAsync(string slug)
    {
        var now = DateTime.UtcNow;
        var lastMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
        await using var scope = server.Services.CreateAsyncScope();
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.ActAsSupport();
            var tenantId = await db.Tenants.Where(t => t.Slug == slug).Select(t => t.Id).SingleAsync();
            var start = lastMonth.AddDays(4).AddHours(9);
            var lease = new Lease
            {
                TenantId = tenantId, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 2, Start = start, End = start.AddHours(3),
                State = LeaseState.Ended, MicrosPerGpuHour = 2_490_000, PriceMicros = 14_940_000, CreatedAt = start, ActivatedAt = start,
                EndedAt = start.AddHours(3),
            };
            db.Leases.Add(lease);
            for (var h = 0; h < 3; h++)
                db.UsageRecords.Add(new UsageRecord
                {
                    TenantId = tenantId, PeriodStart = start.AddHours(h), Source = UsageSource.Lease, SourceId = lease.Id.ToString(),
                    SkuId = lease.SkuId, RegionId = lease.RegionId, GpuSeconds = 2 * 3600, AmountMicros = 4_980_000, RecordedAt = now,
                });
            await db.SaveChangesAsync();
        }
        await scope.ServiceProvider.GetRequiredService<IssueInvoicesJob>().RunForMonthAsync(lastMonth);
        return $"INV-{lastMonth:yyyy-MM}-";
    }

    public async Task OpenInvoiceAsync(string numberPrefix, string expectedTotal)
    {
        await page.GotoAsync("/billing/invoices");
        var link = page.GetByTestId("invoice-link").First;
        await Expect(link).ToContainTextAsync(numberPrefix);
        await Expect(page.GetByTestId("invoice-row-total").First).ToHaveTextAsync(expectedTotal);
        await screenshots.TakeAsync(page, "invoices-list");
        await link.ClickAsync();
        await Expect(page.GetByTestId("invoice-number")).ToContainTextAsync(numberPrefix);
        await Expect(page.GetByTestId("invoice-total")).ToHaveTextAsync(expectedTotal);
        await Expect(page.GetByTestId("invoice-lines")).ToContainTextAsync("6 GPU-h");
        await screenshots.TakeAsync(page, "invoice");
    }

    public async Task DownloadPdfAsync(string numberPrefix)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("invoice-pdf").ClickAsync());
        var pdf = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.True(pdf.Length > 1000, $"The invoice PDF is only {pdf.Length} bytes.");
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
        Assert.StartsWith(numberPrefix, download.SuggestedFilename);
        Assert.EndsWith(".pdf", download.SuggestedFilename);
    }

    /// <summary>This month has no usage yet: the draft page says so.</summary>
    public async Task OpenEmptyDraftAsync()
    {
        await page.GotoAsync("/billing/invoices/draft");
        await Expect(page.GetByTestId("draft-empty")).ToBeVisibleAsync();
        await screenshots.TakeAsync(page, "draft-empty");
    }

    /// <summary>The invoice on a phone; returns how wide the page is (wider than the window: it scrolls sideways).</summary>
    public Task<int> ScreenshotNarrowAsync(int width) => Viewport.ScreenshotNarrowAsync(page, screenshots, width, "invoice-lines", "invoice");
}
