using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Admin;
using Portal.Tests.Infrastructure;
using Portal.Web.Admin;

namespace Portal.Tests.Admin;

/// <summary>Support's SKU form as its circuit runs it: a refused save says why under the field and in the snackbar.</summary>
public sealed class EditSkuPageTests(PortalFactory factory) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private AsyncServiceScope support;

    public async Task InitializeAsync()
    {
        support = await SupportScope.CreateAsync(factory);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(support.Get<SkuAdminService>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await support.DisposeAsync();
    }

    [Fact]
    public async Task A_bad_price_is_shown_under_its_field_and_in_the_snackbar_and_nothing_is_saved()
    {
        var id = NewId();
        var snackbar = ctx.Services.GetRequiredService<ISnackbar>();
        var page = await SaveNewSkuAsync(id, price: "-3");

        page.WaitForAssertion(() => Assert.Contains("mud-input-error", page.Markup));
        var shown = Assert.Single(snackbar.ShownSnackbars);
        Assert.StartsWith("Nothing was saved: ", shown.Message);
        Assert.Equal(Severity.Error, shown.Severity);
        Assert.Equal("http://localhost/", ctx.Services.GetRequiredService<NavigationManager>().Uri);
        await using var db = factory.CreateDbContext(support);
        Assert.False(await db.GpuSkus.AnyAsync(s => s.Id == id));
    }

    [Fact]
    public async Task A_good_form_is_saved_and_returns_to_the_catalog()
    {
        var id = NewId();
        var snackbar = ctx.Services.GetRequiredService<ISnackbar>();
        var page = await SaveNewSkuAsync(id, price: "3.25");

        page.WaitForAssertion(() => Assert.EndsWith("/admin/catalog", ctx.Services.GetRequiredService<NavigationManager>().Uri));
        Assert.Equal("Test GPU was created.", Assert.Single(snackbar.ShownSnackbars).Message);
        await using var db = factory.CreateDbContext(support);
        Assert.Equal(3_250_000, (await db.GpuSkus.SingleAsync(s => s.Id == id)).OnDemandMicrosPerGpuHour);
    }

    private static string NewId() => "t" + Guid.NewGuid().ToString("N")[..6] + "-gpu";

    /// <summary>Fills the new-SKU form as Support would, with the given price, and presses Create.</summary>
    private async Task<IRenderedComponent<EditSkuPage>> SaveNewSkuAsync(string id, string price)
    {
        ctx.Render<MudPopoverProvider>();
        var page = ctx.Render<EditSkuPage>();
        page.Find("#sku-id").Change(id);
        page.Find("#sku-name").Change("Test GPU");
        page.Find("#sku-gpu").Change("Test G1");
        page.Find("#sku-link").Change("PCIe");
        page.Find("#sku-price").Change(price);
        await page.Find("[data-testid=sku-save]").ClickAsync(new());
        return page;
    }
}
