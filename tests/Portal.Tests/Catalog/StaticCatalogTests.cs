using AngleSharp.Html.Parser;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

/// <summary>
/// Issue 17: the public catalog pages are static server-rendered, so an open catalog tab holds no circuit (its memory and
/// its share of the server's CPU): their HTML asks blazor.web.js for no interactive component. The layout still works
/// without one: a visitor is offered sign-in, a member an account menu that signs out.
/// </summary>
public sealed class StaticCatalogTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string ServerComponentMarker = "<!--Blazor:{\"type\":\"server\"";

    public static TheoryData<string> CatalogPages =>
    [
        "/catalog/gpus", "/catalog/gpus?memory=80&compare=h100-sxm-80gb&compare=h200-141gb", "/catalog/gpus/h100-sxm-80gb",
        "/catalog/models", "/catalog/models/muse-spark", "/catalog/availability?region=us-south-1&sku=b200-180gb&day=2",
    ];

    [Theory]
    [MemberData(nameof(CatalogPages))]
    public async Task A_catalog_page_opens_no_circuit_for_a_visitor_or_a_member(string path)
    {
        using var visitor = factory.CreatePortalClient();
        var html = await visitor.GetPageAsync(path);
        Assert.DoesNotContain(ServerComponentMarker, html);
        Assert.Contains("href=\"/Account/Login\"", html);

        using var member = await SignedInMemberAsync();
        html = await member.GetPageAsync(path);
        Assert.DoesNotContain(ServerComponentMarker, html);
        // The account menu works without a circuit: its sign-out form is in the page, with its antiforgery token.
        var signOut = new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=user-menu] form[action='Account/Logout']");
        Assert.NotNull(signOut?.QuerySelector("input[name=__RequestVerificationToken]"));
    }

    [Fact]
    public async Task The_portals_own_pages_stay_interactive()
    {
        using var member = await SignedInMemberAsync();
        Assert.Contains(ServerComponentMarker, await member.GetPageAsync("/leases"));
    }

    private async Task<PortalClient> SignedInMemberAsync()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);
        return client;
    }
}
