using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Catalog;
using Portal.Tests.Infrastructure;
using Portal.Web.Catalog;

namespace Portal.Tests.Catalog;

/// <summary>The GPU catalog page on the real seeded catalog: filters narrow the table, compare takes up to three.</summary>
public sealed class GpuCatalogPageTests(PortalFactory factory) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private IServiceScope? scope;

    public Task InitializeAsync()
    {
        scope = factory.Services.CreateScope();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<CatalogService>());
        ctx.Render<MudPopoverProvider>();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Filters_narrow_the_table_and_say_so_when_nothing_matches()
    {
        var cut = ctx.Render<GpuCatalogPage>();
        cut.WaitForAssertion(() => Assert.Equal(5, Rows(cut).Count));

        var filters = cut.FindComponent<SkuFilters>();
        await cut.InvokeAsync(() => filters.Instance.FilterChanged.InvokeAsync(new SkuFilter(MinMemoryGb: 141)));
        cut.WaitForAssertion(() => Assert.Equal(["H200 141 GB", "B200 180 GB"], Rows(cut)));

        await cut.InvokeAsync(() => filters.Instance.FilterChanged.InvokeAsync(new SkuFilter(MinMemoryGb: 141, MaxMicrosPerGpuHour: 1_000_000)));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-skus]")));

        await cut.InvokeAsync(() => filters.Instance.FilterChanged.InvokeAsync(new SkuFilter(RegionId: "us-east-2", Sort: SkuSort.PriceDescending)));
        cut.WaitForAssertion(() => Assert.Equal("B200 180 GB", Rows(cut)[0]));
        Assert.Contains("in us-east-2", cut.Find("[data-testid=sku-table] tbody tr").TextContent);
    }

    [Fact]
    public void Comparing_shows_up_to_three_side_by_side()
    {
        var cut = ctx.Render<GpuCatalogPage>();
        cut.WaitForAssertion(() => Assert.Equal(5, Rows(cut).Count));
        Assert.Empty(cut.FindAll("[data-testid=sku-comparison]"));

        // MudCheckBox handles a change asynchronously: wait for each to land before the next.
        foreach (var id in new[] { "h100-sxm-80gb", "h200-141gb", "b200-180gb" })
        {
            CompareBox(cut, id).Change(true);
            cut.WaitForAssertion(() => Assert.True(((AngleSharp.Html.Dom.IHtmlInputElement)CompareBox(cut, id)).IsChecked, $"{id} is not ticked"));
        }

        cut.WaitForAssertion(() =>
        {
            var table = cut.Find("[data-testid=sku-comparison]");
            Assert.Contains("H100 SXM 80 GB", table.TextContent);
            Assert.Contains("B200 180 GB", table.TextContent);
        });
        // A fourth cannot be added while three are compared.
        cut.WaitForAssertion(() => Assert.True(CompareBox(cut, "a100-80gb").HasAttribute("disabled")));
    }

    // MudBlazor puts the attributes on the input or on its wrapper depending on the version: take the input either way.
    private static AngleSharp.Dom.IElement CompareBox(IRenderedComponent<GpuCatalogPage> cut, string id)
    {
        var marked = cut.Find($"[data-testid=compare-{id}]");
        return marked.TagName == "INPUT" ? marked : marked.QuerySelector("input")!;
    }

    private static List<string> Rows(IRenderedComponent<GpuCatalogPage> cut) =>
        cut.FindAll("[data-testid=sku-table] tbody tr td[data-label=GPU]").Select(td => td.TextContent.Trim()).ToList();

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        scope?.Dispose();
    }
}
