using System.Net;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Input;

/// <summary>Addresses a careless user or an attacker types: refused or ignored, never a 500, never a way off-site.</summary>
public sealed class BadAddressTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    public static TheoryData<string> EvilReturnUrls => new()
    {
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    };

    [Theory]
    [MemberData(nameof(EvilReturnUrls))]
    public async Task The_sign_in_page_with_an_off_site_return_address_is_shown(string returnUrl)
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync("/Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(EvilReturnUrls))]
    public async Task Signing_in_with_an_off_site_return_address_lands_on_the_portal_home(string returnUrl)
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();

        var response = await client.SubmitFormAsync("/Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl), "login",
            new Dictionary<string, string> { ["Input.Email"] = user.Email!, ["Input.Password"] = PortalFactory.Password });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        var target = location.IsAbsoluteUri ? location : new Uri(client.Http.BaseAddress!, location);
        Assert.Equal(client.Http.BaseAddress!.Authority, target.Authority);
        Assert.Equal("/", target.AbsolutePath);
        Assert.DoesNotContain("evil", location.OriginalString);
        Assert.DoesNotContain("\\", location.OriginalString);
    }

    [Fact]
    public async Task Signing_in_with_a_local_return_address_still_goes_there()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();

        var response = await client.SubmitFormAsync("/Account/Login?ReturnUrl=" + Uri.EscapeDataString("/organizations/new?x=1"), "login",
            new Dictionary<string, string> { ["Input.Email"] = user.Email!, ["Input.Password"] = PortalFactory.Password });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("/organizations/new?x=1", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/Account/LoginWith2fa?RememberMe=abc")]
    [InlineData("/Account/LoginWith2fa")]
    [InlineData("/Account/LoginWithRecoveryCode")]
    public async Task A_two_factor_step_opened_without_a_pending_sign_in_starts_again_at_sign_in(string path)
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("Account/Login", response.Headers.Location!.OriginalString);
        Assert.DoesNotContain("LoginWith", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/leases?page=abc")]
    [InlineData("/leases?page=99999999999")]
    [InlineData("/leases?page=2147483647")]
    [InlineData("/batches?page=abc")]
    [InlineData("/notifications?page=abc")]
    [InlineData("/leases/new?gpus=abc&hours=x")]
    public async Task A_tenant_page_with_a_malformed_number_shows_the_first_page(string path)
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, user.Email!);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/admin/leases?page=abc")]
    [InlineData("/admin/leases?tenant=not-a-guid")]
    [InlineData("/admin/leases?tenant=not-a-guid&page=-1")]
    [InlineData("/admin/batches?tenant=not-a-guid&page=abc")]
    [InlineData("/admin/tenants?page=abc")]
    [InlineData("/admin/tenants?page=2147483647")]
    [InlineData("/admin/users?page=abc")]
    [InlineData("/admin/audit?page=1e3")]
    [InlineData("/admin/billing?page=abc&period=nope&state=9")]
    public async Task An_admin_list_with_a_malformed_filter_ignores_it(string path)
    {
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
