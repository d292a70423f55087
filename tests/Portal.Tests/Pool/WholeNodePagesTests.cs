using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;
using Portal.Web.Catalog;
using Portal.Web.Leases;

namespace Portal.Tests.Pool;

/// <summary>The New lease and SKU pages say that a Slurm region leases whole nodes, and the GPU picker keeps to them.</summary>
public sealed class WholeNodePagesTests(TwoRegionFactory factory) : IClassFixture<TwoRegionFactory>, IAsyncLifetime
{
    private const string Note = "This region leases whole nodes: choose 8, 16, 24 … GPUs.";
    private readonly BunitContext ctx = new();
    private MemberScope member = null!;

    public async Task InitializeAsync()
    {
        var (tenant, ownerId) = await factory.NewTenantAsync();
        member = await factory.As(tenant, ownerId);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddLeaseClassesOf(member);
        ctx.Services.AddSingleton(member.Get<CatalogService>());
        ctx.Services.AddSingleton(member.Get<CachedCatalog>());
        ctx.Services.AddSingleton(member.Get<AvailabilityQueries>());
        ctx.Services.AddSingleton(member.Get<CurrentTenant>());
        ctx.Services.AddSingleton(member.Get<OrganizationLimitsService>());
        ctx.Services.AddSingleton(member.Get<IDbContextFactory<PortalDbContext>>());
        ctx.Services.AddSingleton(member.Get<IOptions<LeaseOptions>>());
        ctx.Services.AddSingleton(member.Get<IOptions<PoolOptions>>());
        ctx.Services.AddSingleton(factory.Services.GetRequiredService<PortalChanges>());
        ctx.Services.AddSingleton<TimeProvider>(factory.Clock);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await member.DisposeAsync();
    }

    [Fact]
    public async Task The_new_lease_page_says_a_slurm_region_leases_whole_nodes_and_offers_only_whole_nodes()
    {
        ctx.Services.GetRequiredService<BunitNavigationManager>()
            .NavigateTo($"/leases/new?sku={TwoRegionFactory.Sku}&region={TwoRegionFactory.Region}&gpus=4&hours=4");
        var page = ctx.Render<NewLeasePage>();

        page.WaitForAssertion(() => Assert.Equal(Note, page.Find("[data-testid=whole-nodes-note]").TextContent.Trim()));
        Assert.Equal("8", page.Find("#lease-gpus").GetAttribute("value")); // 4 asked, rounded up to one whole node
        page.WaitForElement("[data-testid=fits]");

        // The same GPU type in a simulated region: any count, and no note.
        var region = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Region");
        await page.InvokeAsync(() => region.Instance.ValueChanged.InvokeAsync("us-east-2"));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=whole-nodes-note]")));
    }

    [Fact]
    public void Without_a_count_the_new_lease_page_starts_at_one_whole_node_for_one_hour()
    {
        ctx.Services.GetRequiredService<BunitNavigationManager>()
            .NavigateTo($"/leases/new?sku={TwoRegionFactory.Sku}&region={TwoRegionFactory.Region}");
        var page = ctx.Render<NewLeasePage>();

        page.WaitForAssertion(() => Assert.Equal("8", page.Find("#lease-gpus").GetAttribute("value"))); // the smallest lease there: one node
        Assert.Equal("1", page.Find("#lease-duration").GetAttribute("value"));
        page.WaitForAssertion(() => Assert.Contains("(1 hour)", page.Find("[data-testid=fits]").TextContent));
    }

    [Fact]
    public void The_sku_page_says_which_region_leases_whole_nodes()
    {
        var page = ctx.Render<SkuPage>(p => p.Add(x => x.Id, TwoRegionFactory.Sku));

        var rows = page.WaitForElements("[data-testid=sku-regions] tbody tr");
        var slurm = Assert.Single(rows, r => r.TextContent.Contains(TwoRegionFactory.Region));
        Assert.Contains(Note, slurm.TextContent);
        Assert.All(rows.Where(r => r != slurm), r => Assert.DoesNotContain("whole nodes", r.TextContent));
    }
}
