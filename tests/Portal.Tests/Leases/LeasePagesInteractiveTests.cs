using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Leases;

namespace Portal.Tests.Leases;

/// <summary>
/// The lease pages as a member's circuit runs them (interactive, on the portal's real services): quote and hold,
/// cancel with the policy's fee, extend and sign, and a lease that turns Active without a reload.
/// </summary>
public sealed class LeasePagesInteractiveTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private const string Region = "us-south-1";
    private const string Sku = "a100-80gb";
    private readonly BunitContext ctx = new();
    private MemberScope member = null!;
    private Guid tenantId;

    public async Task InitializeAsync()
    {
        var (tenant, ownerId) = await factory.NewTenantAsync();
        tenantId = tenant;
        member = await factory.As(tenant, ownerId);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddLeaseClassesOf(member);
        ctx.Services.AddSingleton(member.Get<CatalogService>());
        ctx.Services.AddSingleton(member.Get<CurrentTenant>());
        ctx.Services.AddSingleton(member.Get<OrganizationLimitsService>());
        ctx.Services.AddSingleton(member.Get<IDbContextFactory<PortalDbContext>>());
        ctx.Services.AddSingleton(member.Get<IOptions<LeaseOptions>>());
        ctx.Services.AddSingleton(member.Get<Portal.Core.ScriptJobs.ScriptJobQueue>()); // the lease page's Jobs section
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
    public async Task Quote_and_hold_holds_what_the_form_shows_and_opens_its_review()
    {
        var navigation = ctx.Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo($"/leases/new?sku={Sku}&region={Region}&gpus=16&hours=48");
        var page = ctx.Render<NewLeasePage>();

        page.WaitForElement("[data-testid=fits]");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=quote-and-hold]").HasAttribute("disabled")));
        page.Find("[data-testid=quote-and-hold]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", navigation.Uri));
        var leases = await member.Queries.ListAsync();
        var held = Assert.Single(leases);
        Assert.Equal($"http://localhost/leases/{held.Id}/review", navigation.Uri);
        Assert.Equal((LeaseState.Held, 16, 48, Sku, Region), (held.State, held.Gpus, held.Hours, held.SkuId, held.RegionId));
    }

    [Fact]
    public async Task Any_type_with_enough_memory_shows_the_type_chosen_and_why_and_holds_that_type()
    {
        var navigation = ctx.Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo($"/leases/new?sku={Sku}&region={Region}&gpus=2&hours=4");
        var page = ctx.Render<NewLeasePage>();
        page.WaitForElement("[data-testid=fits]");

        page.Find("input[data-testid=lease-any-of], [data-testid=lease-any-of] input").Change(true);
        page.WaitForElement("#lease-min-memory").Input("100");

        // In us-south-1 the H200 (141 GB) and B200 (180 GB) have that much; the H200 is the cheaper.
        page.WaitForAssertion(() => Assert.Equal("Chosen: H200 141 GB (cheapest that fits of H200 141 GB, B200 180 GB).",
            page.Find("[data-testid=sku-choice]").TextContent.Trim()));
        Assert.Contains("the lowest total price that fits", page.Find("[data-testid=sku-choice-rule]").TextContent);
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=quote-and-hold]").HasAttribute("disabled")));
        page.Find("[data-testid=quote-and-hold]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", navigation.Uri));
        var held = Assert.Single(await member.Queries.ListAsync(), l => l.ChosenFromSkuIds is not null);
        Assert.Equal(("h200-141gb", "b200-180gb,h200-141gb", 2L * 4 * 3_290_000), (held.SkuId, held.ChosenFromSkuIds, held.PriceMicros));
    }

    [Fact]
    public async Task Cancelling_a_scheduled_lease_states_the_fee_and_shows_it_cancelled()
    {
        var lease = await SignedLeaseAsync(startInHours: 48);
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<LeasePage>(p => p.Add(x => x.Id, lease.Id));

        page.WaitForElement("[data-testid=cancel-lease]").Click();
        // More than 24 h before start: the policy makes it free.
        dialogs.WaitForAssertion(() => Assert.Contains("free of charge now", dialogs.Find("[data-testid=confirm-fee]").TextContent));
        dialogs.Find("[data-testid=confirm-yes]").Click();

        page.WaitForAssertion(() => Assert.Contains("Cancelled", page.Find("[data-testid=lease-state]").TextContent));
        Assert.Equal(LeaseState.Cancelled, (await member.Queries.GetAsync(lease.Id))!.State);
    }

    [Fact]
    public async Task Extending_quotes_the_amendment_and_signing_it_moves_the_end()
    {
        var lease = await SignedLeaseAsync(startInHours: 6);
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<LeasePage>(p => p.Add(x => x.Id, lease.Id));

        page.WaitForElement("[data-testid=extend]").Click();
        dialogs.WaitForElement("#extend-hours").Input("10");
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=extend-quote]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Lease Extension Amendment", dialogs.Find("[data-testid=agreement]").TextContent));
        dialogs.Find("#signer-name").Input("Ada Lovelace");
        dialogs.Find("[data-testid=sign-form] input[type=checkbox]").Change(true);
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=sign]").Click());

        var newEnd = lease.End.AddHours(10);
        page.WaitForAssertion(() => Assert.Contains(newEnd.ToString("yyyy-MM-dd HH:mm"), page.Find("[data-testid=lease-end]").TextContent));
        Assert.Equal(newEnd, (await member.Queries.GetAsync(lease.Id))!.End);
    }

    [Fact]
    public async Task The_lease_page_follows_a_change_made_behind_it_without_a_reload()
    {
        var lease = await SignedLeaseAsync(startInHours: 6);
        var page = ctx.Render<LeasePage>(p => p.Add(x => x.Id, lease.Id));
        page.WaitForAssertion(() => Assert.Contains("Scheduled", page.Find("[data-testid=lease-state]").TextContent));

        // What a lifecycle job does: change the lease, commit, publish.
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            await db.Leases.Where(l => l.Id == lease.Id).ExecuteUpdateAsync(s => s.SetProperty(l => l.State, LeaseState.Active));
        }
        factory.Services.GetRequiredService<PortalChanges>().Publish(new PortalChange(tenantId, PortalChange.Lease, lease.Id));

        page.WaitForAssertion(() => Assert.Contains("Active", page.Find("[data-testid=lease-state]").TextContent));
        Assert.NotEmpty(page.FindAll("[data-testid=release-lease]"));
    }

    private async Task<Lease> SignedLeaseAsync(int startInHours)
    {
        var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, factory.ThisHour.AddHours(startInHours), 24));
        return await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
    }
}
