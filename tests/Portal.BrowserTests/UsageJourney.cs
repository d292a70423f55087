using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Data;

namespace Portal.BrowserTests;

/// <summary>What a tenant does on the usage page; this month's usage seeded as the hourly metering job records it.</summary>
public sealed class UsageJourney(IPage page, StepScreenshots screenshots, PortalServer server)
{
    public const string H100 = "h100-sxm-80gb", A100 = "a100-80gb", Model = "llama-3.3-70b-instruct";

    public async Task OpenEmptyAsync()
    {
        await page.GotoAsync("/usage");
        await Expect(page.GetByTestId("usage-empty")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("usage-csv")).ToHaveCountAsync(0);
        await screenshots.TakeAsync(page, "usage-empty");
    }

    /// <summary>
    /// The first two hours of this month: 2 H100s ($2.49/GPU-h, $9.96), 1 A100 for an hour ($1.29), and a batch of
    /// 1,000,000 input and 200,000 output tokens ($0.70). $11.95 in all.
    /// </summary>
    public async Task SeedThisMonthAsync(string slug)
    {
        var now = DateTime.UtcNow;
        var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        await using var scope = server.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.ActAsSupport();
        var tenantId = await db.Tenants.Where(t => t.Slug == slug).Select(t => t.Id).SingleAsync();
        UsageRecord Lease(int hour, string sku, int gpus, long microsPerGpuHour) => new()
        {
            TenantId = tenantId, PeriodStart = month.AddHours(hour), Source = UsageSource.Lease, SourceId = $"lease-{sku}",
            SkuId = sku, RegionId = "us-south-1", GpuSeconds = gpus * 3600, AmountMicros = gpus * microsPerGpuHour, RecordedAt = now,
        };
        db.UsageRecords.AddRange(Lease(0, H100, 2, 2_490_000), Lease(1, H100, 2, 2_490_000), Lease(1, A100, 1, 1_290_000));
        db.UsageRecords.Add(new UsageRecord
        {
            TenantId = tenantId, PeriodStart = month.AddHours(1), Source = UsageSource.Batch, SourceId = "batch_usage_journey", Model = Model,
            InputTokens = 1_000_000, OutputTokens = 200_000, AmountMicros = 700_000, RecordedAt = now,
        });
        await db.SaveChangesAsync();
    }

    public async Task OpenAsync(string expectedCost, string expectedGpuHours, string expectedTokens)
    {
        await page.GotoAsync("/usage");
        await ExpectTotalsAsync(expectedCost, expectedGpuHours, expectedTokens);
        // Each chart is drawn (MudBlazor's charts are SVG) with a series per SKU or model in its legend.
        foreach (var (chart, legend) in new[] { ("chart-gpu-hours", H100), ("chart-gpu-hours", A100), ("chart-tokens", Model), ("chart-cost", "Cost") })
        {
            await Expect(page.GetByTestId(chart).Locator("svg").First).ToBeVisibleAsync();
            await Expect(page.GetByTestId(chart)).ToContainTextAsync(legend);
        }
        await Expect(page.GetByTestId("usage-table")).ToContainTextAsync(Model);
        await screenshots.TakeAsync(page, "usage");
    }

    public async Task ExpectTotalsAsync(string cost, string gpuHours, string tokens)
    {
        await Expect(page.GetByTestId("usage-total-cost")).ToHaveTextAsync(cost);
        await Expect(page.GetByTestId("usage-total-gpu-hours")).ToHaveTextAsync(gpuHours);
        await Expect(page.GetByTestId("usage-total-tokens")).ToHaveTextAsync(tokens);
    }

    /// <summary>Chooses a GPU SKU in the filter; the figures and the URL follow.</summary>
    public async Task FilterBySkuAsync(string sku)
    {
        await Expect(page.GetByTestId("usage-sku")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-disabled"));
        await page.GetByTestId("usage-sku").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = sku, Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("sku=" + sku));
    }

    /// <summary>Downloads the CSV of what is shown; returns its lines.</summary>
    public async Task<string[]> DownloadCsvAsync()
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("usage-csv").ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename);
        var text = await File.ReadAllTextAsync(await download.PathAsync());
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The Owner sets the monthly spend limit on the settings page: over the ceiling is refused beside the field, then a limit is saved.</summary>
    public async Task SetSpendLimitAsync(string tooMuch, string limit)
    {
        await page.GotoAsync("/settings/organization");
        var field = page.Locator("#org-spend-limit");
        var save = page.GetByTestId("save-spend-limit");
        await Expect(save).ToBeEnabledAsync();
        await field.FillAsync(tooMuch);
        await save.ClickAsync();
        await Expect(page.GetByTestId("spend-limit-settings")).ToContainTextAsync("the ceiling set for your organisation");
        await screenshots.TakeAsync(page, "spend-limit-refused");
        await field.FillAsync(limit);
        await save.ClickAsync();
        await Expect(page.GetByTestId("settings-limit")).ToHaveTextAsync("$" + limit + ".00");
        await screenshots.TakeAsync(page, "spend-limit-saved");
    }

    /// <summary>The dashboard's month: spent so far, the limit and what is left.</summary>
    public async Task ExpectDashboardAsync(string spent, string limit, string left)
    {
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("spend-so-far")).ToHaveTextAsync(spent);
        await Expect(page.GetByTestId("spend-limit")).ToHaveTextAsync(limit);
        await Expect(page.GetByTestId("spend-left")).ToHaveTextAsync(left);
        await screenshots.TakeAsync(page, "dashboard-spend");
    }

    /// <summary>The page on a phone; returns how wide the page is (wider than the window: it scrolls sideways).</summary>
    public Task<int> ScreenshotNarrowAsync(int width) => Viewport.ScreenshotNarrowAsync(page, screenshots, width, "usage-table", "usage");
}
