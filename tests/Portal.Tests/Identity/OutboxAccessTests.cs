using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Email;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>
/// The outbox holds password-reset links: in Development only Support reads it, and only from loopback (issue 12:
/// anyone could reset the support account's password and read the link there).
/// </summary>
public sealed class OutboxAccessTests(RemoteAddressFactory factory) : IClassFixture<RemoteAddressFactory>
{
    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_see_no_message()
    {
        var message = await AddMessageAsync();
        using var client = factory.CreatePortalClient();

        foreach (var path in new[] { "/dev/outbox", $"/dev/outbox/{message.Id}" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString);
            Assert.DoesNotContain(message.Subject, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_tenant_member_is_refused_and_sees_no_message()
    {
        var message = await AddMessageAsync();
        var member = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(member);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(member.Email!);

        foreach (var path in new[] { "/dev/outbox", $"/dev/outbox/{message.Id}" })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.Redirect)
                Assert.Contains("/Account/AccessDenied", response.Headers.Location!.OriginalString);
            Assert.DoesNotContain(message.Subject, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Support_on_loopback_reads_the_outbox_and_its_messages()
    {
        var message = await AddMessageAsync();
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        Assert.Contains(message.Subject, await client.GetPageAsync("/dev/outbox"));
        Assert.Contains("the secret reset link", await client.GetPageAsync($"/dev/outbox/{message.Id}"));
    }

    [Fact]
    public async Task Support_from_another_machine_finds_no_outbox_in_development()
    {
        var message = await AddMessageAsync();
        using var client = factory.CreatePortalClient();
        client.Http.DefaultRequestHeaders.Add(RemoteAddressFactory.Header, "203.0.113.7");
        await client.SignInOrFailAsync(PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        foreach (var path in new[] { "/dev/outbox", $"/dev/outbox/{message.Id}" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain(message.Subject, await response.Content.ReadAsStringAsync());
        }
    }

    private async Task<OutboxEmail> AddMessageAsync()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var message = new OutboxEmail
        {
            To = "support@test.local", Subject = "Reset your password " + Guid.NewGuid().ToString("N")[..8],
            HtmlBody = "<p>the secret reset link</p>", CreatedAt = DateTime.UtcNow,
        };
        db.OutboxEmails.Add(message);
        await db.SaveChangesAsync();
        return message;
    }
}
