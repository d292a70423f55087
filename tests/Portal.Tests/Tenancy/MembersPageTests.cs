using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Tenancy;

namespace Portal.Tests.Tenancy;

/// <summary>The members page as a member's circuit runs it, on the portal's real services.</summary>
public sealed class MembersPageTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private MemberScope? member;
    private IRenderedComponent<MudPopoverProvider>? popovers;

    public Task InitializeAsync()
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        if (member is not null) await member.DisposeAsync();
    }

    [Fact]
    public async Task An_Owner_invites_from_the_dialog_and_sees_the_pending_invitation()
    {
        var team = await factory.NewTeamAsync();
        var (page, dialogs) = await RenderAsAsync(team, "owner");
        Assert.Contains("No pending invitations", page.Find("[data-testid=no-invitations]").TextContent);

        var email = $"new-{Guid.NewGuid():N}@example.com";
        page.Find("[data-testid=invite-member]").Click();
        dialogs.WaitForElement("#invite-email").Input(email);
        dialogs.Find("[data-testid=send-invitation]").Click();

        page.WaitForAssertion(() => Assert.Contains(email, page.Find("[data-testid=invitations-table]").TextContent));
        Assert.Contains("Member", page.Find("[data-testid=invitations-table]").TextContent);
        Assert.NotEmpty(await factory.InvitationTokenFor(email));
    }

    [Fact]
    public async Task Inviting_a_member_again_shows_why_in_the_dialog()
    {
        var team = await factory.NewTeamAsync(("member", TenantRole.Member));
        var (page, dialogs) = await RenderAsAsync(team, "owner");

        page.Find("[data-testid=invite-member]").Click();
        dialogs.WaitForElement("#invite-email").Input(team["member"].Email!);
        dialogs.Find("[data-testid=send-invitation]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("already a member", dialogs.Find("[data-testid=invite-error]").TextContent));
        Assert.Empty(await factory.Read(db => db.Invitations.Where(i => i.TenantId == team.TenantId).ToListAsync()));
    }

    [Fact]
    public async Task Revoking_and_removing_ask_then_change_the_lists()
    {
        var team = await factory.NewTeamAsync(("viewer", TenantRole.Viewer));
        var email = $"gone-{Guid.NewGuid():N}@example.com";
        await factory.AsMember(team, "owner", t => t.InviteAsync(email, TenantRole.Viewer, TeamTestKit.BaseUri));
        var (page, dialogs) = await RenderAsAsync(team, "owner");

        page.Find("[data-testid=revoke-invitation]").Click();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-invitations]")));

        page.Find("[data-testid=remove-member]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains($"Remove {team["viewer"].Email}?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Remove").Click();

        page.WaitForAssertion(() => Assert.DoesNotContain(team["viewer"].Email!, page.Find("[data-testid=members-table]").TextContent));
        Assert.Null(await factory.RoleOf(team.TenantId, team["viewer"].Id));
    }

    [Fact]
    public async Task An_Admin_cannot_touch_Owners_and_cannot_offer_the_Owner_role()
    {
        var team = await factory.NewTeamAsync(("admin", TenantRole.Admin), ("member", TenantRole.Member));
        var (page, dialogs) = await RenderAsAsync(team, "admin");

        // The Owner's row is read-only; the Member's has a role select and Remove.
        Assert.Single(page.FindAll("[data-testid=role-chip]"), c => c.TextContent == "Owner");
        Assert.Single(page.FindAll("[data-testid=remove-member]"));
        page.Find("[data-testid=invite-member]").Click();
        dialogs.WaitForElement(".mud-input-control.mud-select").MouseDown(); // the role select opens its list
        popovers!.WaitForAssertion(() => Assert.NotEmpty(popovers!.FindAll(".mud-list-item")));
        var offered = popovers!.FindAll(".mud-list-item").Select(i => i.TextContent.Trim()).ToList();
        Assert.Equal(["Admin", "Member", "Viewer"], offered);
    }

    [Fact]
    public async Task A_Viewer_reads_only_and_the_last_Owner_is_told_why_they_cannot_leave()
    {
        var team = await factory.NewTeamAsync(("viewer", TenantRole.Viewer));
        var (viewerPage, _) = await RenderAsAsync(team, "viewer");
        Assert.NotNull(viewerPage.Find("[data-testid=members-read-only]"));
        Assert.Empty(viewerPage.FindAll("[data-testid=invite-member]"));
        Assert.Empty(viewerPage.FindAll("[data-testid=role-select]"));
        Assert.Empty(viewerPage.FindAll("[data-testid=invitations-table]"));

        await using var ownerCtx = new BunitContext();
        ownerCtx.JSInterop.Mode = JSRuntimeMode.Loose;
        ownerCtx.Services.AddMudServices();
        await using var owner = await factory.As(team.TenantId, team["owner"].Id);
        ownerCtx.Services.AddSingleton(owner.Get<CurrentTenant>()).AddSingleton(owner.Get<TeamGate>())
            .AddSingleton(owner.Get<TeamMembers>()).AddSingleton(owner.Get<TeamInvitations>());
        ownerCtx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ownerCtx.Render<MudPopoverProvider>();
        var dialogs = ownerCtx.Render<MudDialogProvider>();
        var snackbars = ownerCtx.Render<MudSnackbarProvider>();
        var page = ownerCtx.Render<MembersPage>();
        // Clicked once the page has read everything: a click between two of its renders would aim at a replaced handler.
        WaitUntilLoaded(page);
        page.Find("[data-testid=leave-organization]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Leave").Click());
        snackbars.WaitForAssertion(() => Assert.Contains("last Owner", snackbars.Markup));
        Assert.Equal(TenantRole.Owner, await factory.RoleOf(team.TenantId, team["owner"].Id));
    }

    private async Task<(IRenderedComponent<MembersPage> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderAsAsync(TeamTestKit.Team team, string user)
    {
        member = await factory.As(team.TenantId, team[user].Id);
        ctx.Services.AddSingleton(member.Get<CurrentTenant>()).AddSingleton(member.Get<TeamGate>())
            .AddSingleton(member.Get<TeamMembers>()).AddSingleton(member.Get<TeamInvitations>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        popovers = ctx.Render<MudPopoverProvider>();
        var dialogs = ctx.Render<MudDialogProvider>();
        ctx.Render<MudSnackbarProvider>();
        var page = ctx.Render<MembersPage>();
        WaitUntilLoaded(page);
        return (page, dialogs);
    }

    private static void WaitUntilLoaded(IRenderedComponent<MembersPage> page)
    {
        page.WaitForElement("[data-testid=members-table] tbody tr");
        // The invitations are read after the members: wait for them too (their table shows rows or says there are none).
        page.WaitForAssertion(() => Assert.True(page.FindAll("[data-testid=invitations-table]").Count == 0
            || page.FindAll("[data-testid=no-invitations], [data-testid=revoke-invitation]").Count > 0));
    }
}
