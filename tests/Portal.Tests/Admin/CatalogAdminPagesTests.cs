using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Admin;

/// <summary>Only Support reaches the catalog admin pages.</summary>
public sealed class CatalogAdminPagesTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    public static TheoryData<string> Paths => ["/admin/catalog", "/admin/catalog/skus/new", "/admin/catalog/skus/h100-sxm-80gb",
        "/admin/catalog/models/new", "/admin/catalog/models/muse-spark"];

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_tenant_member_is_refused(string path)
    {
        var member = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(member);
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, member.Email!);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/AccessDenied", response.Headers.Location!.OriginalString);
        Assert.DoesNotContain("skus-table", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task An_anonymous_visitor_is_sent_to_sign_in(string path)
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Support_sees_the_catalog_and_the_edit_forms()
    {
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        var catalog = await client.GetPageAsync("/admin/catalog");
        var sku = await client.GetPageAsync("/admin/catalog/skus/h100-sxm-80gb");
        var model = await client.GetPageAsync("/admin/catalog/models/muse-spark");

        Assert.Contains("data-testid=\"skus-table\"", catalog);
        Assert.Contains("H100 SXM 80 GB", catalog);
        Assert.Contains("2.49", sku);
        Assert.Contains("Muse Spark", model);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/admin/catalog/skus/no-such-sku")).StatusCode);
    }
}
