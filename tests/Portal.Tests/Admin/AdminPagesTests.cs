using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Admin;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Admin;

/// <summary>Only Support reaches the admin pages; what they show, through the real host and sign-in form.</summary>
public sealed class AdminPagesTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/admin/tenants")]
    [InlineData("/admin/users")]
    [InlineData("/admin/audit")]
    [InlineData("/admin/tenants/{other}")]
    [InlineData("/admin/users/{otherUser}")]
    public async Task A_tenant_member_sees_no_admin_content(string path)
    {
        var (other, otherOwner) = await OtherTenantAsync();
        var member = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(member);
        await using (var scope = await SupportScope.CreateAsync(factory))
            await scope.Get<TenantAdminService>().SuspendAsync(other.Id, "Secret suspension reason");
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, member.Email!);

        var response = await client.GetAsync(path.Replace("{other}", other.Id.ToString()).Replace("{otherUser}", otherOwner.Id));
        var html = await response.Content.ReadAsStringAsync();

        // The endpoint's Support policy refuses before the page runs: the member is sent to "Access denied".
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/AccessDenied", response.Headers.Location!.OriginalString);
        var denied = await client.GetPageAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("Access denied", denied);
        foreach (var page in new[] { html, denied })
        {
            Assert.DoesNotContain(other.Name, page);
            Assert.DoesNotContain(otherOwner.Email!, page);
            Assert.DoesNotContain("Secret suspension reason", page);
        }
    }

    [Theory]
    [InlineData("/admin/tenants")]
    [InlineData("/admin/users")]
    [InlineData("/admin/audit")]
    public async Task An_anonymous_visitor_is_sent_to_sign_in(string path)
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Support_sees_and_searches_the_tenants()
    {
        var (other, _) = await OtherTenantAsync();
        var (another, _) = await OtherTenantAsync();
        using var client = await SupportClientAsync();

        var all = await client.GetPageAsync("/admin/tenants?q=" + Uri.EscapeDataString(Marker));
        var one = await client.GetPageAsync("/admin/tenants?q=" + Uri.EscapeDataString(other.Name.ToUpperInvariant()));

        Assert.Contains("data-testid=\"tenants-table\"", all);
        Assert.Contains(other.Name, all);
        Assert.Contains(another.Name, all);
        Assert.Contains(other.Name, one);
        Assert.DoesNotContain(another.Name, one);
        Assert.Contains("No tenant's name or slug contains", await client.GetPageAsync("/admin/tenants?q=no-such-tenant-anywhere"));
    }

    [Fact]
    public async Task Support_opens_a_tenant_sees_its_members_and_the_visit_is_audited()
    {
        var (other, owner) = await OtherTenantAsync();
        using var client = await SupportClientAsync();
        client.Http.DefaultRequestHeaders.UserAgent.ParseAdd("SupportDesk/2.0");

        var html = await client.GetPageAsync($"/admin/tenants/{other.Id}");

        Assert.Contains(other.Name, html);
        Assert.Contains(owner.Email!, html);
        Assert.Contains("data-testid=\"suspend-tenant\"", html);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var viewed = await db.AuditEvents.SingleAsync(e => e.Action == "tenant.viewed" && e.TargetId == other.Id.ToString());
        Assert.Equal(PortalFactory.SupportEmail, viewed.ActorName);
        Assert.Equal("SupportDesk/2.0", viewed.UserAgent);
    }

    [Fact]
    public async Task An_unknown_tenant_or_user_is_not_found()
    {
        using var client = await SupportClientAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/admin/tenants/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/admin/users/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Support_sees_users_with_memberships_and_the_audit_log_with_reasons()
    {
        var (other, owner) = await OtherTenantAsync();
        await using (var scope = await SupportScope.CreateAsync(factory))
        {
            await scope.Get<TenantAdminService>().SuspendAsync(other.Id, "Reason visible to support " + Marker);
            await scope.Get<UserAdminService>().LockAsync(owner.Id, "Locked for the page test");
        }
        using var client = await SupportClientAsync();

        var users = await client.GetPageAsync("/admin/users?q=" + Uri.EscapeDataString(owner.Email!));
        var user = await client.GetPageAsync($"/admin/users/{owner.Id}");
        var audit = await client.GetPageAsync("/admin/audit?target=" + Uri.EscapeDataString(other.Name));

        Assert.Contains(owner.Email!, users);
        Assert.Contains(other.Name, users);
        Assert.Contains("data-testid=\"user-locked\"", users);
        Assert.Contains("data-testid=\"unlock-user\"", user);
        Assert.Contains("Locked for the page test", user);
        Assert.Contains("Reason visible to support " + Marker, audit);
        Assert.Contains($"href=\"/admin/tenants/{other.Id}\"", audit);
        Assert.Contains(SupportScope.IpAddress, audit);
    }

    private string Marker { get; } = "zq" + Guid.NewGuid().ToString("N")[..6];

    private async Task<(Tenant Tenant, Portal.Core.Data.ApplicationUser Owner)> OtherTenantAsync()
    {
        var owner = await factory.CreateUserAsync($"owner-{Guid.NewGuid():N}@example.com");
        return (await factory.CreateOrganizationAsync(owner, $"Secret {Marker} {Guid.NewGuid().ToString("N")[..6]}"), owner);
    }

    private async Task<PortalClient> SupportClientAsync()
    {
        var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);
        return client;
    }
}
