using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>The account pages a signed-in user relies on: two-factor sign-in, changing the password, signing out.</summary>
public sealed partial class AccountManagementTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Turning_on_an_authenticator_app_makes_sign_in_ask_for_its_code()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);

        // The enable page shows the shared key; the user's "app" computes a code from it.
        var enablePage = await client.GetPageAsync("/Account/Manage/EnableAuthenticator");
        var key = SharedKey().Match(enablePage).Groups[1].Value.Replace(" ", "");
        Assert.False(string.IsNullOrEmpty(key), "no shared key on the page");
        var enabled = await client.SubmitFormAsync("/Account/Manage/EnableAuthenticator", "send-code",
            new Dictionary<string, string> { ["Input.Code"] = Totp(key) });
        Assert.True(enabled.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK);
        using (var scope = factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True(await users.GetTwoFactorEnabledAsync((await users.FindByIdAsync(user.Id))!));
        }

        using var fresh = factory.CreatePortalClient();
        var password = await fresh.SignInAsync(user.Email!);
        Assert.Contains("LoginWith2fa", password.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.GetAsync("/leases")).StatusCode); // not in yet ("/" is public: the landing page)

        var wrong = await fresh.SubmitFormAsync(password.Headers.Location.OriginalString, "login-with-2fa",
            new Dictionary<string, string> { ["Input.TwoFactorCode"] = "000000" == Totp(key) ? "111111" : "000000" });
        Assert.Contains("Invalid authenticator code", await wrong.Content.ReadAsStringAsync());

        var right = await fresh.SubmitFormAsync(password.Headers.Location.OriginalString, "login-with-2fa",
            new Dictionary<string, string> { ["Input.TwoFactorCode"] = Totp(key) });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/leases")).StatusCode);

        // The wrong code is on the account's record like a wrong password (Support's user page reads it), then the sign-in.
        using var audit = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(audit);
        var recorded = await db.AuditEvents.Where(e => e.TargetId == user.Id && e.Action.StartsWith("user.sign"))
            .OrderBy(e => e.Id).Select(e => new { e.Action, e.Reason }).ToListAsync();
        Assert.Equal([SignInAudit.SignedIn, SignInAudit.SignInFailed, SignInAudit.SignedIn], recorded.Select(e => e.Action));
        Assert.Equal("Wrong two-factor code.", recorded[1].Reason);
    }

    [Fact]
    public async Task Changing_the_password_needs_the_old_one_and_honours_the_policy()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);

        var tooShort = await client.SubmitFormAsync("/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = PortalFactory.Password, ["Input.NewPassword"] = "short", ["Input.ConfirmPassword"] = "short",
        });
        Assert.Contains("at least 12", await tooShort.Content.ReadAsStringAsync());

        var wrongOld = await client.SubmitFormAsync("/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = "not my old password", ["Input.NewPassword"] = "my new passphrase", ["Input.ConfirmPassword"] = "my new passphrase",
        });
        Assert.Contains("Incorrect password", await wrongOld.Content.ReadAsStringAsync());

        var changed = await client.SubmitFormAsync("/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = PortalFactory.Password, ["Input.NewPassword"] = "my new passphrase", ["Input.ConfirmPassword"] = "my new passphrase",
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        using var other = factory.CreatePortalClient();
        Assert.Contains("Invalid", await (await other.SignInAsync(user.Email!)).Content.ReadAsStringAsync());
        await other.SignInOrFailAsync(user.Email!, "my new passphrase");
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);
        // Any of the user's antiforgery tokens will do; the account page has a form with one.
        var page = await client.GetPageAsync("/Account/Manage");
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;

        var signedOut = await client.Http.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["ReturnUrl"] = "",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        var after = await client.GetAsync("/leases");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("Account/Login", after.Headers.Location!.OriginalString);
    }

    /// <summary>RFC 6238 with the authenticator-app defaults: SHA-1, 30 s steps, 6 digits.</summary>
    private static string Totp(string base32Key)
    {
        var key = Base32Decode(base32Key);
        var counter = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
        var bytes = BitConverter.GetBytes(counter);
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
        var hash = HMACSHA1.HashData(key, bytes);
        var offset = hash[^1] & 0x0f;
        var code = ((hash[offset] & 0x7f) << 24 | hash[offset + 1] << 16 | hash[offset + 2] << 8 | hash[offset + 3]) % 1_000_000;
        return code.ToString("D6");
    }

    private static byte[] Base32Decode(string s)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(s.TrimEnd('=').ToUpperInvariant().Select(c => Convert.ToString(alphabet.IndexOf(c), 2).PadLeft(5, '0')));
        return Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
    }

    [GeneratedRegex("<kbd[^>]*>([a-z0-9 ]+)</kbd>", RegexOptions.IgnoreCase)]
    private static partial Regex SharedKey();
}
