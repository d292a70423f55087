using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>
/// Signing out and changing the password end every other session of the user at once (issue 12: a cookie copied before
/// sign-out, and another browser after a password change, still read the API); the session that changed it stays.
/// </summary>
public sealed class SessionEndTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string CookieName = ".AspNetCore.Identity.Application";

    [Fact]
    public async Task A_cookie_copied_before_sign_out_is_refused_after_it()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        var signedIn = await client.SignInAsync(user.Email!);
        using var copy = WithCookies(SessionCookies(signedIn));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/v1/organizations")).StatusCode);

        var page = await client.GetPageAsync("/Account/Manage");
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedOut = await client.Http.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["ReturnUrl"] = "",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/organizations")).StatusCode);
        var pageAfter = await copy.GetAsync("/leases");
        Assert.Equal(HttpStatusCode.Redirect, pageAfter.StatusCode);
        Assert.Contains("Account/Login", pageAfter.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_and_keeps_this_one()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var changing = factory.CreatePortalClient();
        using var other = factory.CreatePortalClient();
        await changing.SignInOrFailAsync(user.Email!);
        await other.SignInOrFailAsync(user.Email!);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/organizations")).StatusCode);

        var changed = await changing.SubmitFormAsync("/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = PortalFactory.Password, ["Input.NewPassword"] = "my new passphrase", ["Input.ConfirmPassword"] = "my new passphrase",
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/v1/organizations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await changing.GetAsync("/api/v1/organizations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await changing.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Making_an_authenticator_key_keeps_the_session_that_did_it()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);

        // Opening the page makes an authenticator key, which renews the security stamp: this session must carry on.
        var page = await client.GetPageAsync("/Account/Manage/EnableAuthenticator");
        Assert.Contains("authenticator", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organizations")).StatusCode);
    }

    /// <summary>The session cookie (and its chunks, if any) as a browser would send it, from the sign-in response.</summary>
    private static string SessionCookies(HttpResponseMessage signIn)
    {
        Assert.True(signIn.Headers.TryGetValues("Set-Cookie", out var cookies), "no cookie set at sign-in");
        var pairs = cookies.Where(c => c.StartsWith(CookieName)).Select(c => c.Split(';')[0]).ToList();
        Assert.NotEmpty(pairs);
        return string.Join("; ", pairs);
    }

    private HttpClient WithCookies(string cookieHeader)
    {
        var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        http.DefaultRequestHeaders.Add("Cookie", cookieHeader);
        return http;
    }
}
