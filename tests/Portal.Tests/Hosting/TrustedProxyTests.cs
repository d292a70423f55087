using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>Behind the configured proxy, its X-Forwarded-Proto makes the request https: the sign-in cookie is Secure.</summary>
public sealed class TrustedProxyTests(TrustedProxyTests.ProxiedFactory factory) : IClassFixture<TrustedProxyTests.ProxiedFactory>
{
    public sealed class ProxiedFactory : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Hosting:TrustedProxies", "127.0.0.1, ::1, 10.0.0.0/8")];
    }

    [Fact]
    public async Task The_sign_in_cookie_is_secure_when_the_trusted_proxy_says_https()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();
        client.Http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var cookie = await SecurityHeadersTests.SignInCookieAsync(client, user.Email!);

        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }
}
