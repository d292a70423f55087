using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>
/// The account pages answer alike whether an address has an account or not (issue 12: register, its confirmation
/// page, lockout and the time a wrong password took each told).
/// </summary>
public sealed partial class AccountProbingTests(PasswordCheckCountingFactory factory) : IClassFixture<PasswordCheckCountingFactory>
{
    private const string Password = "a long enough passphrase";

    [Fact]
    public async Task Registering_a_taken_address_answers_as_for_a_new_one_and_tells_the_owner()
    {
        var existing = await factory.CreateUserAsync();
        var fresh = $"new-{Guid.NewGuid():N}@example.com";
        using var client = factory.CreatePortalClient();

        var taken = await Register(client, existing.Email!);
        var created = await Register(client, fresh);

        Assert.Equal(HttpStatusCode.Redirect, taken.StatusCode);
        Assert.Equal(created.StatusCode, taken.StatusCode);
        Assert.Equal(Normalize(created.Headers.Location!.OriginalString, fresh), Normalize(taken.Headers.Location!.OriginalString, existing.Email!));
        Assert.DoesNotContain("taken", await taken.Content.ReadAsStringAsync());

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(1, await db.Users.CountAsync(u => u.Email == existing.Email));
        var note = await db.OutboxEmails.Where(m => m.To == existing.Email).OrderByDescending(m => m.Id).FirstAsync();
        Assert.Equal("Someone tried to create a Portal account with your address", note.Subject);
        Assert.Contains("Account/ForgotPassword", note.HtmlBody);
    }

    [Fact]
    public async Task The_confirmation_page_answers_alike_for_any_address()
    {
        var existing = await factory.CreateUserAsync();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";
        using var client = factory.CreatePortalClient();

        var forExisting = await client.GetAsync("/Account/RegisterConfirmation?email=" + Uri.EscapeDataString(existing.Email!));
        var forUnknown = await client.GetAsync("/Account/RegisterConfirmation?email=" + Uri.EscapeDataString(unknown));

        Assert.Equal(HttpStatusCode.OK, forExisting.StatusCode);
        Assert.Equal(forExisting.StatusCode, forUnknown.StatusCode);
        Assert.Equal(Normalize(await forExisting.Content.ReadAsStringAsync(), existing.Email!),
            Normalize(await forUnknown.Content.ReadAsStringAsync(), unknown));
    }

    [Fact]
    public async Task An_unknown_address_is_locked_out_after_the_same_failures_as_a_real_account()
    {
        var real = await factory.CreateUserAsync();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";
        using var client = factory.CreatePortalClient();

        foreach (var email in new[] { real.Email!, unknown })
        {
            for (var i = 0; i < 4; i++)
            {
                var wrong = await client.SignInAsync(email, "not the password at all");
                Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
                Assert.Contains("Invalid sign-in attempt", await wrong.Content.ReadAsStringAsync());
            }
            var fifth = await client.SignInAsync(email, "not the password at all");
            Assert.Equal(HttpStatusCode.Redirect, fifth.StatusCode);
            Assert.Contains("Account/Lockout", fifth.Headers.Location!.OriginalString);
            var sixth = await client.SignInAsync(email, PortalFactory.Password);
            Assert.Contains("Account/Lockout", sixth.Headers.Location?.OriginalString ?? "");
        }
    }

    [Fact]
    public async Task A_wrong_password_for_an_unknown_address_costs_a_password_check_like_a_real_one()
    {
        var real = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();

        var before = factory.Verifications;
        await client.SignInAsync(real.Email!, "not the password at all");
        var forReal = factory.Verifications - before;

        before = factory.Verifications;
        await client.SignInAsync($"nobody-{Guid.NewGuid():N}@example.com", "not the password at all");
        var forUnknown = factory.Verifications - before;

        Assert.Equal(1, forReal);
        Assert.Equal(forReal, forUnknown);
    }

    [Fact]
    public async Task Forgot_password_answers_alike_for_any_address()
    {
        var existing = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();

        var forExisting = await client.SubmitFormAsync("/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = existing.Email! });
        var forUnknown = await client.SubmitFormAsync("/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = $"nobody-{Guid.NewGuid():N}@example.com" });

        Assert.Equal(HttpStatusCode.Redirect, forExisting.StatusCode);
        Assert.Equal(forExisting.StatusCode, forUnknown.StatusCode);
        Assert.Equal(forExisting.Headers.Location, forUnknown.Headers.Location);
    }

    private static Task<HttpResponseMessage> Register(PortalClient client, string email) =>
        client.SubmitFormAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = Password, ["Input.ConfirmPassword"] = Password,
        });

    /// <summary>The text with the address (plain, HTML- or URL-encoded) and what differs on every request blanked out.</summary>
    private static string Normalize(string text, string email)
    {
        foreach (var form in new[] { email, WebUtility.HtmlEncode(email), Uri.EscapeDataString(email) })
            text = text.Replace(form, "{email}");
        return PerRequest().Replace(text, "$1$2");
    }

    // Antiforgery values, script nonces, interactive components' descriptors and persisted state (encrypted afresh for each response).
    [GeneratedRegex("((?:nonce|value)=|\"descriptor\":)\"[^\"]*\"|(<!--Blazor-[A-Za-z-]+-State:)[^-]*")]
    private static partial Regex PerRequest();
}
