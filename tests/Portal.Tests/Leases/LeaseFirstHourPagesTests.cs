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
/// A customer's first lease, as their circuit renders it at fixed clocks: the form starts at the smallest lease, counts
/// say "1 GPU", and every state and time the lease page shows is true at the moment it is shown.
/// </summary>
public sealed class LeaseFirstHourPagesTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private const string Region = "us-south-1";
    private const string Sku = "a100-80gb";
    private readonly BunitContext ctx = new();
    private readonly LifecycleKit kit = new(factory);
    private MemberScope member = null!;

    public async Task InitializeAsync()
    {
        var (tenant, ownerId) = await factory.NewTenantAsync();
        member = await factory.As(tenant, ownerId);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddLeaseClassesOf(member);
        ctx.Services.AddSingleton(member.Get<CatalogService>());
        ctx.Services.AddSingleton(member.Get<CurrentTenant>());
        ctx.Services.AddSingleton(member.Get<OrganizationLimitsService>());
        ctx.Services.AddSingleton(member.Get<IDbContextFactory<PortalDbContext>>());
        ctx.Services.AddSingleton(member.Get<IOptions<LeaseOptions>>());
        ctx.Services.AddSingleton(member.Get<Portal.Core.ScriptJobs.ScriptJobQueue>());
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
    public async Task The_new_lease_form_starts_at_one_gpu_for_one_hour_from_now_and_holds_exactly_that()
    {
        var navigation = ctx.Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo("/leases/new");
        var page = ctx.Render<NewLeasePage>();

        page.WaitForElement("[data-testid=fits]");
        Assert.Contains("Available: 1 GPU in", page.Find("[data-testid=fits]").TextContent);
        Assert.Contains("(1 hour)", page.Find("[data-testid=fits]").TextContent);
        Assert.Contains("1 GPU × 1 h = 1", page.Find("[data-testid=price-breakdown]").TextContent);
        Assert.DoesNotContain("1 GPUs", page.Markup);
        Assert.DoesNotContain("billed in full", page.Markup);
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=quote-and-hold]").HasAttribute("disabled")));
        page.Find("[data-testid=quote-and-hold]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", navigation.Uri));
        var held = Assert.Single(await member.Queries.ListAsync());
        Assert.Equal((1, 1), (held.Gpus, held.Hours));
    }

    [Fact]
    public async Task Just_after_signing_at_23_past_and_once_active_the_lease_page_says_only_what_is_true_then()
    {
        var target = factory.ThisHour.AddHours(1).AddMinutes(23);
        factory.Clock.Advance(target - factory.Now);
        var hour = factory.ThisHour;
        var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 1, hour, 1));
        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);

        // Signed, not provisioned yet: nothing about a start that is already past.
        var page = ctx.Render<LeasePage>(p => p.Add(x => x.Id, signed.Id));
        page.WaitForAssertion(() => Assert.Contains("Scheduled", page.Find("[data-testid=lease-state]").TextContent));
        var note = page.Find("[data-testid=status-note]").TextContent;
        Assert.DoesNotContain("shortly before", note);
        Assert.Contains("within a minute", note);
        Assert.Contains("when the GPUs are ready", page.Find("[data-testid=lease-start]").TextContent);
        Assert.DoesNotContain(hour.ToString("HH:mm") + " UTC", page.Find("[data-testid=lease-facts]").TextContent);
        Assert.All(page.FindAll("[data-testid=allocation-status]"), chip => Assert.Equal("Signed", chip.TextContent.Trim()));

        // Active a moment later: the allocation runs; the window starts at the minute it became active.
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(signed.Id));
        page = ctx.Render<LeasePage>(p => p.Add(x => x.Id, signed.Id));
        page.WaitForAssertion(() => Assert.Contains("Active", page.Find("[data-testid=lease-state]").TextContent));
        Assert.All(page.FindAll("[data-testid=allocation-status]"), chip => Assert.Equal("Running", chip.TextContent.Trim()));
        Assert.Contains(LeaseUi.Time(hour.AddMinutes(24)), page.Find("[data-testid=lease-start]").TextContent);
        Assert.Contains(LeaseUi.Time(hour.AddMinutes(84)), page.Find("[data-testid=lease-end]").TextContent);
        Assert.Contains("Provisioning: reserving 1 GPU on the pool.", page.Find("[data-testid=lease-timeline]").TextContent);
        Assert.DoesNotContain("1 GPUs", page.Markup);

        // Over: nothing runs any more.
        factory.Clock.Advance(hour.AddMinutes(84) - factory.Now);
        await kit.RunAsync<EndLeaseJob>(j => j.RunAsync(signed.Id));
        page = ctx.Render<LeasePage>(p => p.Add(x => x.Id, signed.Id));
        page.WaitForAssertion(() => Assert.Contains("Ended", page.Find("[data-testid=lease-state]").TextContent));
        Assert.All(page.FindAll("[data-testid=allocation-status]"), chip => Assert.Equal("Done", chip.TextContent.Trim()));
    }
}
