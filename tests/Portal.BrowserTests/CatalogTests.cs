using System.Text.RegularExpressions;

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

            // The page is static (issue 17): no circuit, the filters are a GET form.
            await Expect(page.GetByTestId("sku-form")).ToBeVisibleAsync();
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.documentElement.outerHTML.split('\"type\":\"server\"').length - 1"));

            // Memory filter: 141 GB or more leaves the H200 and the B200, cheapest first; the address keeps it.
            await page.GetByLabel("Memory per GPU").SelectOptionAsync(new SelectOptionValue { Label = "141 GB or more" });
            await page.GetByTestId("filter-apply").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("memory=141"));
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(rows.First).ToContainTextAsync("H200 141 GB");
            await screenshots.TakeAsync(page, "filtered-by-memory");

            await page.GetByTestId("compare-h200-141gb").CheckAsync();
            await page.GetByTestId("compare-b200-180gb").CheckAsync();
            await page.GetByTestId("compare-submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("compare=h200-141gb&compare=b200-180gb"));
            var comparison = page.GetByTestId("sku-comparison");
            await Expect(comparison).ToContainTextAsync("$3.29");
            await Expect(comparison).ToContainTextAsync("$4.99");
            await screenshots.TakeAsync(page, "compared");
            await ThemedScreenshots.TakeAsync(page, screenshots, "gpu-catalog-compared", "[data-testid=sku-comparison]");

            // On a phone the static page's menu button still opens the drawer (portal.js, no circuit).
            await page.SetViewportSizeAsync(390, 844);
            var navigation = page.GetByTestId("nav-menu");
            await Expect(navigation).Not.ToBeInViewportAsync();
            await page.GetByLabel("Toggle navigation").ClickAsync();
            await Expect(navigation).ToBeInViewportAsync();
            await screenshots.TakeAsync(page, "static-drawer-open-at-390px");
            await page.GetByLabel("Toggle navigation").ClickAsync();
            await Expect(navigation).Not.ToBeInViewportAsync();
            await page.SetViewportSizeAsync(1280, 900);

            await page.GetByRole(AriaRole.Link, new() { Name = "B200 180 GB" }).ClickAsync();
            await Expect(page.GetByTestId("sku-regions")).ToContainTextAsync("Richland Parish, Louisiana");
            await Expect(page.GetByTestId("term-prices")).ToContainTextAsync("182 days or more");
            await ThemedScreenshots.TakeAsync(page, screenshots, "sku-detail", "[data-testid=sku-regions]");

            await page.GotoAsync(portal.Server.BaseUrl + "/catalog/availability?region=us-south-1&sku=b200-180gb");
            await Expect(page.GetByTestId("availability-day")).ToHaveCountAsync(90);
            // A day is a link to its hours (the page is static).
            await page.GetByTestId("availability-day").Nth(2).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("day=2"));
            await Expect(page.GetByTestId("availability-hours")).ToContainTextAsync("hour by hour");
            await ThemedScreenshots.TakeAsync(page, screenshots, "availability-day", "[data-testid=availability-hours]");

            await page.GotoAsync(portal.Server.BaseUrl + "/catalog/models");
            await Expect(page.GetByTestId("model-grid")).ToContainTextAsync("Muse Spark");
            await ThemedScreenshots.TakeAsync(page, screenshots, "models", "[data-testid=model-grid]");

            await page.GotoAsync(portal.Server.BaseUrl + "/catalog/models/muse-spark");
            await Expect(page.GetByTestId("model-facts")).ToContainTextAsync("closed weights");
            await Expect(page.GetByTestId("example-curl")).ToContainTextAsync("/v1/chat/completions");
            await ThemedScreenshots.TakeAsync(page, screenshots, "model-detail", "[data-testid=model-facts]");
        });
        await page.Context.CloseAsync();
    }
}
