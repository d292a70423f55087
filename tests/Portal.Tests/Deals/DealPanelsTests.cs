using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Deals;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Web.Admin;
using Portal.Web.Leases;

namespace Portal.Tests.Deals;

/// <summary>The deal's components on the real services: Support's terms form, the tenant's review and signing, the limits note.</summary>
public sealed class DealPanelsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private MemberScope member = null!;
    private AsyncServiceScope support;

    public async Task InitializeAsync()
    {
        var (tenant, ownerId) = await factory.NewTenantAsync();
        member = await factory.As(tenant, ownerId);
        support = await SupportScope.CreateAsync(factory);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(member.Get<DealResponse>());
        ctx.Services.AddSingleton(member.Get<CurrentTenant>());
        ctx.Services.AddSingleton(support.Get<DealDesk>());
        ctx.Services.AddSingleton<TimeProvider>(factory.Clock);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await member.DisposeAsync();
        await support.DisposeAsync();
    }

    [Fact]
    public async Task Support_sends_amended_terms_from_the_panel_and_a_bad_window_is_explained_without_a_change()
    {
        var lease = await PendingAsync();
        var changed = 0;
        var panel = ctx.Render<DealTermsPanel>(p => p.Add(x => x.Lease, lease).Add(x => x.OnChanged, () => changed++));

        await panel.InvokeAsync(() => panel.Find("#deal-end").Change("next tuesday"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=deal-propose]").Click());
        panel.WaitForAssertion(() => Assert.Contains("yyyy-MM-dd HH:mm", panel.Find("[data-testid=deal-propose-error]").TextContent));
        Assert.Equal(0, changed);

        await panel.InvokeAsync(() => panel.Find("#deal-end").Change(lease.End.ToString("yyyy-MM-dd HH:mm")));
        await panel.InvokeAsync(() => panel.Find("#deal-reason").Change("Volume commitment agreed with sales"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=deal-propose]").Click());
        panel.WaitForAssertion(() => Assert.Equal(1, changed));
        var offered = (await member.Queries.GetAsync(lease.Id))!;
        Assert.Equal(("Volume commitment agreed with sales", OfferState.Proposed), (offered.Offers.Single().Reason, offered.Offers.Single().State));
    }

    [Fact]
    public async Task The_tenant_sees_the_review_deadline_then_signs_the_amended_terms_on_the_panel()
    {
        var lease = await PendingAsync();
        var underReview = ctx.Render<LeaseDealPanel>(p => p.Add(x => x.Lease, lease));
        Assert.Contains(LeaseUi.Time(lease.ReviewDueAt!.Value), underReview.Find("[data-testid=deal-under-review]").TextContent);
        var chip = ctx.Render<LeaseStateChip>(p => p.Add(x => x.Lease, lease)); // the leases list and the lease page's header
        Assert.Contains("Review by " + LeaseUi.Time(lease.ReviewDueAt!.Value), chip.Find("[data-testid=lease-review-due]").TextContent);

        await support.Get<DealDesk>().ProposeAsync(lease.Id,
            new DealProposal(1.25m, null, lease.Start, lease.End, 0, 100, "Launch partner rate for Q2"));
        var offered = (await member.Queries.GetAsync(lease.Id))!;
        var changed = 0;
        var panel = ctx.Render<LeaseDealPanel>(p => p.Add(x => x.Lease, offered).Add(x => x.OnChanged, () => changed++));
        Assert.Contains("Launch partner rate for Q2", panel.Find("[data-testid=deal-offer-reason]").TextContent);
        Assert.Contains("$1.25 per GPU-hour", panel.Find("[data-testid=deal-offer-terms]").TextContent);

        await panel.InvokeAsync(() => panel.Find("[data-testid=deal-sign]").Click()); // no name yet: refused, nothing signed
        panel.WaitForAssertion(() => Assert.Contains("full name", panel.Find("[data-testid=deal-error]").TextContent));
        await panel.InvokeAsync(() => panel.Find("#deal-signer").Input("Ada Lovelace"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=deal-offer] input[type=checkbox]").Change(true));
        await panel.InvokeAsync(() => panel.Find("[data-testid=deal-sign]").Click());
        panel.WaitForAssertion(() => Assert.Equal(1, changed));
        Assert.Equal(LeaseState.Scheduled, (await member.Queries.GetAsync(lease.Id))!.State);
    }

    [Fact]
    public void The_limits_note_says_large_leases_are_deals_under_the_same_limits()
    {
        var note = ctx.Render<LargeLeasesNote>().Find("[data-testid=large-leases-note]").TextContent;
        Assert.Contains("more than 64 GPUs", note);
        Assert.Contains("reviewed by Support as a deal", note);
        Assert.Contains("refused until Support raises the limit", note);
    }

    private async Task<Lease> PendingAsync()
    {
        var held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "h100-sxm-80gb", 72, factory.ThisHour.AddHours(30), 4));
        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        Assert.Equal(LeaseState.PendingApproval, signed.State);
        return (await member.Queries.GetAsync(held.Id))!;
    }
}
