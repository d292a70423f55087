using Bunit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Audit;
using Portal.Core.Email;
using Portal.Core.Tenancy;
using Portal.Web.Components.Layout;
using Portal.Web.Email;

namespace Portal.Tests.Layout;

/// <summary>The drawer shows only features that exist, and the Admin section only to Support.</summary>
public sealed class NavMenuTests : IAsyncLifetime
{
    private readonly BunitContext ctx = new();

    public NavMenuTests()
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton<IWebHostEnvironment>(new FakeEnvironment("Production"));
        ctx.Services.AddSingleton(Options.Create(new EmailOptions()));
        ctx.Services.AddSingleton(new AuditOrigin { IpAddress = "127.0.0.1" });
        ctx.Services.AddScoped<OutboxAccess>();
    }

    [Fact]
    public void A_member_sees_their_organisation_but_no_admin_section()
    {
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized("member@example.com");
        ctx.Services.AddSingleton(Tenant(isSupport: false, inOrganisation: true));

        var links = LinkTexts(ctx.Render<NavMenu>());

        Assert.Contains("Dashboard", links);
        Assert.Contains("Members", links);
        Assert.DoesNotContain("Tenants", links);
        Assert.DoesNotContain("Users", links);
        Assert.DoesNotContain("Audit log", links);
        Assert.DoesNotContain("Catalog", links);
        Assert.DoesNotContain("Background jobs", links);
    }

    [Fact]
    public void Support_sees_the_admin_section()
    {
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized("support@example.com");
        auth.SetRoles("Support");
        ctx.Services.AddSingleton(Tenant(isSupport: true, inOrganisation: false));

        var cut = ctx.Render<NavMenu>();
        var links = LinkTexts(cut);

        Assert.Contains("Tenants", links);
        Assert.Contains("Users", links);
        Assert.Contains("Audit log", links);
        Assert.Contains("Catalog", links);
        Assert.Contains("Background jobs", links);
        Assert.Equal("/admin/jobs", cut.FindAll("a").Single(a => a.TextContent.Contains("Background jobs")).GetAttribute("href"));
        // No organisation: no organisation pages.
        Assert.DoesNotContain("Members", links);
    }

    [Fact]
    public void A_signed_out_visitor_is_offered_the_public_catalog_sign_in_and_sign_up_only()
    {
        ctx.AddAuthorization();
        ctx.Services.AddSingleton(new CurrentTenant());

        var links = LinkTexts(ctx.Render<NavMenu>());

        Assert.Equal(["GPUs", "Availability", "Models", "API reference", "Sign in", "Create account"], links);
    }

    [Fact]
    public void The_outbox_link_appears_to_support_on_loopback_in_development()
    {
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized("support@example.com");
        auth.SetRoles("Support");
        ctx.Services.AddSingleton(Tenant(isSupport: true, inOrganisation: false));
        ctx.Services.AddSingleton<IWebHostEnvironment>(new FakeEnvironment("Development"));

        Assert.Contains("E-mail outbox (dev)", LinkTexts(ctx.Render<NavMenu>()));
    }

    [Fact]
    public void The_outbox_link_is_not_shown_to_visitors_in_development()
    {
        ctx.AddAuthorization();
        ctx.Services.AddSingleton(new CurrentTenant());
        ctx.Services.AddSingleton<IWebHostEnvironment>(new FakeEnvironment("Development"));

        Assert.DoesNotContain("E-mail outbox (dev)", LinkTexts(ctx.Render<NavMenu>()));
    }

    private static List<string> LinkTexts(IRenderedComponent<NavMenu> cut) =>
        cut.FindAll("a").Select(a => a.TextContent.Trim()).ToList();

    private static CurrentTenant Tenant(bool isSupport, bool inOrganisation)
    {
        var tenant = new CurrentTenant();
        var membership = inOrganisation
            ? new Membership { UserId = "u1", Role = TenantRole.Member, TenantId = Guid.NewGuid(), Tenant = new Tenant { Name = "Acme", Slug = "acme" } }
            : null;
        tenant.Set("u1", isSupport, membership);
        return tenant;
    }

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await ctx.DisposeAsync();

    private sealed class FakeEnvironment(string name) : IWebHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Portal.Web";
        public string WebRootPath { get; set; } = "";
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
