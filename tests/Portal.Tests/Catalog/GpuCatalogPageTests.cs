using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

/// <summary>
/// The GPU catalog page on the real seeded catalog, rendered as a visitor's browser gets it (the page is static since
/// issue 17: its filters and compare boxes are a GET form, so each view is an address).
/// </summary>
public sealed class GpuCatalogPageTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Filters_narrow_the_table_and_say_so_when_nothing_matches()
    {
        using var client = factory.CreatePortalClient();
        Assert.Equal(5, Rows(await PageAsync(client, "")).Count);
        Assert.Equal(["H200 141 GB", "B200 180 GB"], Rows(await PageAsync(client, "?memory=141")));

        var none = await PageAsync(client, "?memory=141&price=1");
        Assert.NotNull(none.QuerySelector("[data-testid=no-skus]"));
        // The form shows the filters it applied, so the visitor sees which one to clear.
        Assert.Equal("141", Selected(none, "filter-memory"));
        Assert.Equal("1", Selected(none, "filter-price"));

        var east = await PageAsync(client, "?region=us-east-2&sort=PriceDescending");
        Assert.Equal("B200 180 GB", Rows(east)[0]);
        Assert.Contains("in us-east-2", east.QuerySelector("[data-testid=sku-table] tbody tr")!.TextContent);
        Assert.Equal("us-east-2", Selected(east, "filter-region"));
    }

    [Fact]
    public async Task Values_the_form_never_offers_are_ignored_not_an_error()
    {
        using var client = factory.CreatePortalClient();
        var page = await PageAsync(client, "?memory=lots&price=-3&sort=cheapest&region=mars-1");
        Assert.Equal(5, Rows(page).Count);
        Assert.Equal("", Selected(page, "filter-region"));
    }

    [Fact]
    public async Task Comparing_shows_up_to_three_side_by_side()
    {
        using var client = factory.CreatePortalClient();
        Assert.Null((await PageAsync(client, "")).QuerySelector("[data-testid=sku-comparison]"));
        Assert.NotNull((await PageAsync(client, "?compare=h100-sxm-80gb")).QuerySelector("[data-testid=compare-one]"));

        var three = await PageAsync(client, "?compare=h100-sxm-80gb&compare=h200-141gb&compare=b200-180gb");
        var table = three.QuerySelector("[data-testid=sku-comparison]")!.TextContent;
        Assert.Contains("H100 SXM 80 GB", table);
        Assert.Contains("B200 180 GB", table);
        Assert.True(Ticked(three, "b200-180gb"));
        Assert.False(Ticked(three, "a100-80gb"));

        // A fourth is not squeezed in: the first three ticked (in the table's order) are shown, and the page says so.
        var four = await PageAsync(client, "?compare=h100-sxm-80gb&compare=h200-141gb&compare=b200-180gb&compare=a100-80gb");
        Assert.NotNull(four.QuerySelector("[data-testid=compare-too-many]"));
        Assert.Equal(3, four.QuerySelectorAll("[data-testid=sku-comparison] thead th").Length);
    }

    private static async Task<IDocument> PageAsync(PortalClient client, string query) =>
        new HtmlParser().ParseDocument(await client.GetPageAsync("/catalog/gpus" + query));

    private static List<string> Rows(IDocument page) =>
        page.QuerySelectorAll("[data-testid=sku-table] tbody tr td[data-label=GPU]").Select(td => td.TextContent.Trim()).ToList();

    private static string? Selected(IDocument page, string testId) =>
        page.QuerySelector($"[data-testid={testId}] option[selected]")?.GetAttribute("value");

    private static bool Ticked(IDocument page, string sku) => page.QuerySelector($"[data-testid=compare-{sku}]")!.HasAttribute("checked");
}
