using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>A stranger becomes an Owner: register, confirm through the outbox, sign in, create an organisation.</summary>
public sealed partial class RegistrationFlowTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Register_confirm_sign_in_and_create_an_organisation()
    {
        using var client = factory.CreatePortalClient();
        var email = $"ada-{Guid.NewGuid():N}@example.com";

        var registered = await Register(client, email, "a long enough passphrase");
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.Contains("Account/RegisterConfirmation", registered.Headers.Location!.OriginalString);

        // Not confirmed yet: the password alone does not let them in.
        var early = await client.SignInAsync(email, "a long enough passphrase");
        Assert.NotEqual(HttpStatusCode.Redirect, early.StatusCode);
        Assert.Contains("confirm", await early.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var link = await ConfirmationLinkFromOutbox(email);
        var confirming = await client.GetAsync(link);
        Assert.True(confirming.StatusCode == HttpStatusCode.OK, $"{link} -> {confirming.StatusCode} {confirming.Headers.Location}");
        var confirmed = await confirming.Content.ReadAsStringAsync();
        Assert.Contains("Thank you for confirming your email", confirmed);

        await client.SignInOrFailAsync(email, "a long enough passphrase");

        // No organisation yet: the portal leads the user to create one.
        var dashboard = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
        Assert.EndsWith("/organizations/new", dashboard.Headers.Location!.OriginalString);

        var created = await client.Http.PostAsJsonAsync("/api/v1/organizations", new { name = "Ada Compute", slug = "ada-compute" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var home = await client.GetPageAsync("/");
        Assert.Contains("Ada Compute", home);
        Assert.Matches("You are an <strong>Owner</strong>", home);
    }

    [Theory]
    [InlineData(11, false)]
    [InlineData(12, true)]
    [InlineData(128, true)]
    [InlineData(129, false)]
    public async Task Passwords_need_12_to_128_characters_and_no_composition_rules(int length, bool accepted)
    {
        using var client = factory.CreatePortalClient();
        var email = $"len{length}-{Guid.NewGuid():N}@example.com";
        var response = await Register(client, email, new string('a', length));

        Assert.Equal(accepted, response.StatusCode == HttpStatusCode.Redirect);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(accepted, await db.Users.AnyAsync(u => u.Email == email));
        if (!accepted)
            Assert.Contains("12", await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> Register(PortalClient client, string email, string password) =>
        client.SubmitFormAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });

    private async Task<string> ConfirmationLinkFromOutbox(string email)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var message = await db.OutboxEmails.Where(m => m.To == email).OrderByDescending(m => m.Id).FirstAsync();
        Assert.Equal("Confirm your Portal account", message.Subject);
        var href = WebUtility.HtmlDecode(Href().Match(message.HtmlBody).Groups[1].Value);
        return new Uri(href).PathAndQuery;
    }

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
