namespace Portal.BrowserTests;

/// <summary>Issue 6's usage page: empty, then with a month's usage: totals, charts, a filter that changes the figures, the CSV.</summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class UsageJourneyTests(PortalInChromium portal)
{
    private const int PhoneWidth = 390;

    [Fact]
    public async Task Owner_reads_this_months_usage_filters_it_by_sku_downloads_the_csv_and_caps_the_month()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("usage-journey");
        var journey = new PortalJourney(page, screenshots);
        var usage = new UsageJourney(page, screenshots, portal.Server);
        var id = PortalJourney.NewId();
        var email = $"usage-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Usage Labs {id}", $"usage-labs-{id}");

            await usage.OpenEmptyAsync();
            await usage.SeedThisMonthAsync($"usage-labs-{id}");
            // 4 H100 GPU-hours ($9.96) + 1 A100 GPU-hour ($1.29) + 1.2M tokens ($0.70).
            await usage.OpenAsync("$11.95", "5", "1,200,000");
            await ThemedScreenshots.TakeAsync(page, screenshots, "usage", "[data-testid=usage-total-cost]");

            await usage.FilterBySkuAsync(UsageJourney.H100);
            await usage.ExpectTotalsAsync("$9.96", "4", "0");
            await screenshots.TakeAsync(page, "usage-h100");

            var lines = await usage.DownloadCsvAsync();
            Assert.Equal("date,kind,sku_or_model,gpu_hours,input_tokens,output_tokens,amount_usd", lines[0]);
            var rows = lines.Skip(1).ToArray();
            Assert.Single(rows); // one day, one SKU: the filter applies to the export too
            Assert.EndsWith($",gpu,{UsageJourney.H100},4,0,0,9.96", rows[0]);

            var narrow = await usage.ScreenshotNarrowAsync(PhoneWidth);
            Assert.True(narrow <= PhoneWidth, $"The usage page scrolls sideways on a phone: {narrow} px wide.");

            // The Owner caps the month (the ceiling Support set is $500,000) and the dashboard measures the month against it.
            await usage.SetSpendLimitAsync("600000", "100");
            await usage.ExpectDashboardAsync("$11.95", "$100.00", "$88.05");
            await ThemedScreenshots.TakeAsync(page, screenshots, "dashboard", "[data-testid=spend-left]");
        });
        await page.Context.CloseAsync();
    }
}
