using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.ApiKeys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.ApiKeys;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.ApiKeys;

/// <summary>The API keys page as a member's circuit runs it, on the portal's real services.</summary>
public sealed class ApiKeysPageTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private MemberScope? member;
    private Guid tenantId;
    private string ownerId = "";

    public async Task InitializeAsync()
    {
        (tenantId, ownerId) = await factory.NewTenantAsync();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        if (member is not null) await member.DisposeAsync();
    }

    [Fact]
    public async Task An_owner_creates_a_key_sees_its_secret_once_and_the_key_works()
    {
        var (page, dialogs) = await RenderAsAsync(ownerId);

        page.Find("[data-testid=new-api-key]").Click();
        dialogs.WaitForElement("#api-key-name").Input("CI pipeline");
        dialogs.Find("[data-testid=create-api-key]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("shown this once", dialogs.Find("[data-testid=secret-warning]").TextContent));
        var secret = dialogs.Find("#api-key-secret").GetAttribute("value")!;
        Assert.Matches("^sk-portal-[A-Za-z0-9]{40}$", secret);
        dialogs.Find("[data-testid=copy-secret]").Click();
        Assert.Contains(ctx.JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText" && (string)i.Arguments[0]! == secret);
        dialogs.Find("[data-testid=secret-done]").Click();

        page.WaitForAssertion(() => Assert.Equal("CI pipeline", page.Find("[data-testid=api-key-name]").TextContent));
        Assert.Contains(secret[..14], page.Find("[data-testid=api-keys-table]").TextContent);
        Assert.DoesNotContain(secret, page.Markup);
        using var http = Http(factory, secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task A_key_without_a_name_is_not_created_and_the_dialog_says_why()
    {
        var (page, dialogs) = await RenderAsAsync(ownerId);

        page.Find("[data-testid=new-api-key]").Click();
        dialogs.WaitForElement("[data-testid=create-api-key]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("Give the key a name", dialogs.Find("[data-testid=create-api-key-error]").TextContent));
        Assert.Empty(await member!.Get<ApiKeyService>().ListAsync());
    }

    [Fact]
    public async Task Revoking_asks_first_then_the_key_is_refused()
    {
        var secret = await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read, "old script");
        var (page, dialogs) = await RenderAsAsync(ownerId);

        page.WaitForElement("[data-testid=revoke-api-key]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("refused from their very next request", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        page.WaitForAssertion(() => Assert.Contains("Revoked", page.Find("[data-testid=api-key-revoked]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=revoke-api-key]"));
        using var http = Http(factory, secret);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/models")).StatusCode);
    }

    [Theory]
    [InlineData(TenantRole.Member)]
    [InlineData(TenantRole.Viewer)]
    public async Task Members_and_viewers_see_the_list_read_only(TenantRole role)
    {
        await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read | ApiKeyScopes.Batches, "shared");
        var (page, _) = await RenderAsAsync(await NewMemberAsync(factory, tenantId, role));

        Assert.Equal("shared", page.WaitForElement("[data-testid=api-key-name]").TextContent);
        Assert.NotNull(page.Find("[data-testid=read-only-note]"));
        Assert.Empty(page.FindAll("[data-testid=new-api-key]"));
        Assert.Empty(page.FindAll("[data-testid=revoke-api-key]"));
    }

    private async Task<(IRenderedComponent<ApiKeysPage> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderAsAsync(string userId)
    {
        member = await factory.As(tenantId, userId);
        ctx.Services.AddSingleton(member.Get<ApiKeyService>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<ApiKeysPage>();
        page.WaitForElement("[data-testid=api-keys-table]");
        return (page, dialogs);
    }
}
