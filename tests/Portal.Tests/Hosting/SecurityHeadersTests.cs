using System.Net;
using System.Text.RegularExpressions;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>Every answer says: no sniffing, no referrer to other sites, no framing; pages run only the portal's scripts.</summary>
public sealed class SecurityHeadersTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/api/v1/regions")]
    [InlineData("/v1/models")]
    [InlineData("/no-such-page")]
    public async Task Pages_and_api_answers_carry_the_security_headers(string url)
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync(url);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
    }

    [Fact]
    public async Task A_page_allows_only_its_own_scripts_and_the_import_map_carries_the_nonce()
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync("/Account/Login");

        var policy = Header(response, "Content-Security-Policy");
        var nonce = Regex.Match(policy, "script-src 'self' 'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.DoesNotContain("unsafe-inline", Regex.Match(policy, "script-src[^;]*").Value);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\">", await response.Content.ReadAsStringAsync());
        var again = Header(await client.GetAsync("/Account/Login"), "Content-Security-Policy");
        Assert.DoesNotContain(nonce, again); // a new nonce on every response
    }

    [Fact]
    public async Task Without_a_trusted_proxy_x_forwarded_proto_is_ignored_and_the_cookie_is_not_secure()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();
        client.Http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var cookie = await SignInCookieAsync(client, user.Email!);

        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    internal static async Task<string> SignInCookieAsync(PortalClient client, string email)
    {
        var response = await client.SignInAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
    }

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"No {name} header on {response.RequestMessage?.RequestUri} ({(int)response.StatusCode}).");
}
