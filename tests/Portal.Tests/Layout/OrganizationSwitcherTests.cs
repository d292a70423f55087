using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Components.Layout;

namespace Portal.Tests.Layout;

/// <summary>
/// The organisation switcher reads the user's organisations when its menu opens (issue 17: not on every page view); opened,
/// it lists every one of them, the current one ticked.
/// </summary>
public sealed class OrganizationSwitcherTests(PortalFactory factory) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private IServiceScope? scope;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Opening_the_menu_lists_every_organisation_of_the_user()
    {
        var ada = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(ada, "Ada First");
        await factory.CreateOrganizationAsync(ada, "Ada Second");
        scope = factory.Services.CreateScope();
        var tenant = scope.ServiceProvider.GetRequiredService<CurrentTenant>();
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, ada.Id)], "Test"));
        await scope.ServiceProvider.GetRequiredService<TenantResolver>().ResolveAsync(principal, tenant);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(tenant);
        ctx.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<OrganizationService>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var popovers = ctx.Render<MudPopoverProvider>();

        var cut = ctx.Render<OrganizationSwitcher>(p => p.SetAssignedRenderMode(RenderMode.InteractiveServer));
        Assert.Contains("Ada Second", cut.Find("[data-testid=org-switcher-button]").TextContent);
        await cut.InvokeAsync(() => cut.FindComponent<MudMenu>().Instance.OpenMenuAsync(EventArgs.Empty, false));

        popovers.WaitForAssertion(() =>
        {
            var items = popovers.FindAll(".mud-menu-item").Select(i => i.TextContent).ToList();
            Assert.Contains(items, i => i.Contains("Ada First"));
            Assert.Contains(items, i => i.Contains("Ada Second"));
            Assert.Contains(items, i => i.Contains("New organisation"));
        });
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        scope?.Dispose();
    }
}
