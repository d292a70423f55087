using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.ApiKeys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;
using Portal.Web.ApiKeys;
using Portal.Web.Refusals;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.Refusals;

/// <summary>Pages show any feature's refusal the same way (<see cref="PageRefusals"/>), and only refusals.</summary>
public sealed class PageRefusalsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_page_opened_as_Admin_shows_the_role_checks_refusal_after_its_member_is_made_Viewer()
    {
        var team = await factory.NewTeamAsync(("admin", TenantRole.Admin));
        await NewKeyAsync(factory, team.TenantId, team["owner"].Id, ApiKeyScopes.Read, "shared");
        await using var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        await using var admin = await factory.As(team.TenantId, team["admin"].Id);
        admin.Get<CurrentTenant>().MarkLongLived(); // as the circuit handler does
        ctx.Services.AddSingleton(admin.Get<ApiKeyService>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
        var dialogs = ctx.Render<MudDialogProvider>();
        var snackbars = ctx.Render<MudSnackbarProvider>();
        var page = ctx.Render<ApiKeysPage>();
        page.WaitForElement("[data-testid=revoke-api-key]");

        await factory.AsMember(team, "owner", t => t.ChangeRoleAsync(team.Memberships["admin"], TenantRole.Viewer));
        page.Find("[data-testid=revoke-api-key]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click());

        snackbars.WaitForAssertion(() => Assert.Contains(
            $"Your role (Viewer) cannot revoke API keys; ask an Owner or Admin of {team.TenantName}.", snackbars.Markup));
        Assert.Null(await factory.Read(db => db.ApiKeys.Where(k => k.TenantId == team.TenantId).Select(k => k.RevokedAt).SingleAsync()));
    }

    [Fact]
    public async Task The_helper_gives_a_refusals_message_and_lets_a_bug_through()
    {
        Assert.Null(await PageRefusals.RefusalAsync(() => Task.CompletedTask));
        Assert.Equal("Choose or create an organisation first.",
            await PageRefusals.RefusalAsync(() => throw TenantActionRefusedException.NoOrganisation()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => PageRefusals.RefusalAsync(() => throw new InvalidOperationException("bug")));
    }
}
