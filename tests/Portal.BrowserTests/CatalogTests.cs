namespace Portal.BrowserTests;

/// <summary>A visitor browses what the cloud sells and what is free, without signing in.</summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class CatalogTests(PortalInChromium portal)
{
    [Fact]
    public async Task A_visitor_filters_the_gpus_compares_two_opens_one_and_reads_its_availability()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("catalog");
        await screenshots.RecordAsync(page, async () =>
        {
            await page.GotoAsync(portal.Server.BaseUrl + "/catalog/gpus");
            var rows = page.GetByTestId("sku-table").Locator("tbody tr");
            await Expect(rows).ToHaveCountAsync(5);
            await screenshots.TakeAsync(page, "gpu-catalog");

            // Memory filter: 141 GB or more leaves the H200 and the B200, cheapest first.
            await page.GetByTestId("filter-memory").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "141 GB or more" }).ClickAsync();
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(rows.First).ToContainTextAsync("H200 141 GB");
            await screenshots.TakeAsync(page, "filtered-by-memory");

            await CheckCompareAsync(page, "h200-141gb");
            await CheckCompareAsync(page, "b200-180gb");
            var comparison = page.GetByTestId("sku-comparison");
            await Expect(comparison).ToContainTextAsync("$3.29");
            await Expect(comparison).ToContainTextAsync("$4.99");
            await screenshots.TakeAsync(page, "compared");

            await page.GetByRole(AriaRole.Link, new() { Name = "B200 180 GB" }).ClickAsync();
            await Expect(page.GetByTestId("sku-regions")).ToContainTextAsync("Richland Parish, Louisiana");
            await Expect(page.GetByTestId("term-prices")).ToContainTextAsync("182 days or more");
            await screenshots.TakeAsync(page, "sku-detail");

            await page.GotoAsync(portal.Server.BaseUrl + "/catalog/availability?region=us-south-1&sku=b200-180gb");
            await Expect(page.GetByTestId("availability-day")).ToHaveCountAsync(90);
            // Days are buttons once the page is live (they are disabled while it is only prerendered).
            await Expect(page.GetByTestId("availability-day").Nth(2)).ToBeEnabledAsync();
            await page.GetByTestId("availability-day").Nth(2).ClickAsync();
            await Expect(page.GetByTestId("availability-hours")).ToContainTextAsync("hour by hour");
            await screenshots.TakeAsync(page, "availability");

            await page.GotoAsync(portal.Server.BaseUrl + "/catalog/models/muse-spark");
            await Expect(page.GetByTestId("model-facts")).ToContainTextAsync("closed weights");
            await Expect(page.GetByTestId("example-curl")).ToContainTextAsync("/v1/chat/completions");
            await screenshots.TakeAsync(page, "model-detail");
        });
        await page.Context.CloseAsync();
    }

    private static async Task CheckCompareAsync(IPage page, string skuId)
    {
        var marked = page.GetByTestId($"compare-{skuId}");
        // The attribute lands on the input or on its wrapper, depending on MudBlazor's version.
        var box = await marked.EvaluateAsync<string>("e => e.tagName") == "INPUT" ? marked : marked.Locator("input");
        await box.CheckAsync();
    }
}
