using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

public sealed class SignInSecurityTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();

        for (var i = 0; i < 4; i++)
        {
            var wrong = await client.SignInAsync(user.Email!, "not the password at all");
            Assert.Contains("Invalid", await wrong.Content.ReadAsStringAsync());
        }
        var fifth = await client.SignInAsync(user.Email!, "not the password at all");
        Assert.Equal(HttpStatusCode.Redirect, fifth.StatusCode);
        Assert.Contains("Account/Lockout", fifth.Headers.Location!.OriginalString);

        var right = await client.SignInAsync(user.Email!);
        Assert.Contains("Account/Lockout", right.Headers.Location?.OriginalString ?? "");
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/leases")).StatusCode); // still signed out
    }

    [Fact]
    public async Task A_right_password_resets_the_failure_count()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();
        for (var i = 0; i < 4; i++) await client.SignInAsync(user.Email!, "wrong password here");
        await client.SignInOrFailAsync(user.Email!);

        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.Equal(0, await users.GetAccessFailedCountAsync((await users.FindByIdAsync(user.Id))!));
    }

    [Fact]
    public async Task New_passwords_are_hashed_with_at_least_210000_PBKDF2_iterations()
    {
        var user = await factory.CreateUserAsync();
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var hash = await db.Users.Where(u => u.Id == user.Id).Select(u => u.PasswordHash).SingleAsync();
        Assert.True(IterationCount(hash!) >= 210_000, $"iterations: {IterationCount(hash!)}");
    }

    [Fact]
    public async Task An_old_hash_with_fewer_iterations_is_rehashed_at_sign_in()
    {
        var user = await factory.CreateUserAsync();
        var oldHasher = new PasswordHasher<ApplicationUser>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope);
            var oldHash = oldHasher.HashPassword(user, PortalFactory.Password);
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, oldHash));
        }

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);

        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope);
            var hash = await db.Users.Where(u => u.Id == user.Id).Select(u => u.PasswordHash).SingleAsync();
            Assert.Equal(210_000, IterationCount(hash!));
        }
    }

    [Fact]
    public async Task Forgot_password_sends_a_link_that_sets_a_new_password()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();
        var asked = await client.SubmitFormAsync("/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = user.Email! });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);

        string link;
        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope);
            var message = await db.OutboxEmails.Where(m => m.To == user.Email).OrderByDescending(m => m.Id).FirstAsync();
            Assert.Equal("Reset your Portal password", message.Subject);
            link = new Uri(WebUtility.HtmlDecode(
                System.Text.RegularExpressions.Regex.Match(message.HtmlBody, "href=\"([^\"]+)\"").Groups[1].Value)).PathAndQuery;
        }

        const string newPassword = "a brand new passphrase";
        var reset = await client.SubmitFormAsync(link, "reset-password", new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email!, ["Input.Password"] = newPassword, ["Input.ConfirmPassword"] = newPassword,
        });
        Assert.Contains("ResetPasswordConfirmation", reset.Headers.Location?.OriginalString ?? await reset.Content.ReadAsStringAsync());

        Assert.Contains("Invalid", await (await client.SignInAsync(user.Email!)).Content.ReadAsStringAsync());
        await client.SignInOrFailAsync(user.Email!, newPassword);
    }

    /// <summary>Identity's v3 hash: format marker, PRF (4 bytes), iteration count (4 bytes, big-endian), ...</summary>
    private static int IterationCount(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        return (bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
    }
}
