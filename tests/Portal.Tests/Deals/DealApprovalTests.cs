using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Deals;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;
using Portal.Web.Admin;

namespace Portal.Tests.Deals;

/// <summary>
/// While Support's amended terms wait for the tenant, their signature is what approves the lease: Support's page turns Approve
/// off and says why, and the server refuses it anyway. Rejecting the lease withdraws the terms, so the tenant can no longer sign them.
/// </summary>
public sealed class DealApprovalTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private AsyncServiceScope support;

    public async Task InitializeAsync()
    {
        support = await SupportScope.CreateAsync(factory);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(support.Get<LeaseAdminQueries>());
        ctx.Services.AddSingleton(support.Get<LeaseAdminDecisions>());
        ctx.Services.AddSingleton(support.Get<DealDesk>());
        ctx.Services.AddSingleton(factory.Services.GetRequiredService<PortalChanges>());
        ctx.Services.AddSingleton<TimeProvider>(factory.Clock);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await support.DisposeAsync();
    }

    [Fact]
    public async Task Supports_page_turns_approve_off_with_the_reason_while_amended_terms_wait_for_the_tenant()
    {
        var (member, lease) = await PendingAsync();
        await member.DisposeAsync();
        var before = ctx.Render<AdminLeasePage>(p => p.Add(x => x.Id, lease.Id));
        Assert.False(before.WaitForElement("[data-testid=approve-lease]").HasAttribute("disabled"));
        Assert.Empty(before.FindAll("[data-testid=approve-waits]"));

        await support.Get<DealDesk>().ProposeAsync(lease.Id, Terms(lease));
        var due = (await LoadAsync(lease.Id)).OfferDueAt!.Value;
        var page = ctx.Render<AdminLeasePage>(p => p.Add(x => x.Id, lease.Id));
        Assert.True(page.WaitForElement("[data-testid=approve-lease]").HasAttribute("disabled"));
        var why = page.Find("[data-testid=approve-waits]").TextContent;
        Assert.Contains($"waiting for the tenant's signature until {LeaseAgreement.FormatTime(due)}", why);
        Assert.Contains("signing them approves the lease", why);
    }

    [Fact]
    public async Task The_server_refuses_approval_while_terms_are_out_and_rejecting_withdraws_them()
    {
        var (member, lease) = await PendingAsync();
        await using (member)
        {
            var desk = support.Get<DealDesk>();
            await desk.ProposeAsync(lease.Id, Terms(lease));
            var approve = await Outcome.Of(support.Get<LeaseAdminDecisions>().ApproveAsync(lease.Id));
            Assert.False(approve.Succeeded);
            Assert.Contains("signing them approves the lease", approve.Message);
            Assert.Contains("Nothing was changed", approve.Message);
            var unchanged = await LoadAsync(lease.Id);
            Assert.Equal((LeaseState.PendingApproval, OfferState.Proposed), (unchanged.State, unchanged.Offers.Single().State));

            Assert.True((await Outcome.Of(support.Get<LeaseAdminDecisions>().RejectAsync(lease.Id, "The customer asked us to stop"))).Succeeded);
            var rejected = await LoadAsync(lease.Id);
            Assert.Equal((LeaseState.Rejected, OfferState.Withdrawn, (DateTime?)null),
                (rejected.State, rejected.Offers.Single().State, rejected.OfferDueAt));
            var late = await Assert.ThrowsAsync<LeaseException>(() =>
                member.Get<DealResponse>().AcceptAsync(lease.Id, rejected.Offers.Single().Id, "Ada Lovelace", accepted: true));
            Assert.Equal(LeaseOfferStateMachine.NotOpenCode, late.Code);
            Assert.Contains("Support withdrew these amended terms", late.Message);
        }
    }

    private static DealProposal Terms(Lease lease) =>
        new(1.5m, null, lease.Start, lease.End, 24, 50, "Committed spend agreed with sales");

    private async Task<(MemberScope Member, Lease Lease)> PendingAsync()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "h100-sxm-80gb", 72, factory.ThisHour.AddHours(40), 3));
        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        Assert.Equal(LeaseState.PendingApproval, signed.State);
        return (member, signed);
    }

    private async Task<Lease> LoadAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Leases.IgnoreQueryFilters().Include(l => l.Offers).AsNoTracking().SingleAsync(l => l.Id == leaseId);
    }
}
