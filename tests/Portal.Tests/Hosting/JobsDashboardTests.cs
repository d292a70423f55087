using System.Net;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>The Hangfire dashboard shows job arguments and can delete jobs: Support only.</summary>
public sealed class JobsDashboardTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in()
    {
        using var client = factory.CreatePortalClient();
        var response = await client.GetAsync("/admin/jobs");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString);

        var api = await client.GetAsync("/admin/jobs/stats");
        Assert.NotEqual(HttpStatusCode.OK, api.StatusCode);
    }

    [Theory]
    [InlineData(TenantRole.Owner)]
    [InlineData(TenantRole.Viewer)]
    public async Task Tenant_members_are_refused_whatever_their_role(TenantRole role)
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var user = role == TenantRole.Owner ? owner : await factory.CreateUserAsync();
        if (role != TenantRole.Owner) await factory.AddMemberAsync(tenant.Id, user, role);

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);
        var response = await client.GetAsync("/admin/jobs");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("Portal background jobs", await response.Content.ReadAsStringAsync());
        Assert.Contains("AccessDenied", response.Headers.Location?.OriginalString ?? "");
    }

    [Fact]
    public async Task Support_sees_the_dashboard_with_the_recurring_jobs()
    {
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(PortalFactory.SupportEmail, PortalFactory.SupportPassword);
        var dashboard = await client.GetPageAsync("/admin/jobs");
        Assert.Contains("Portal background jobs", dashboard);
        Assert.Contains("purge-outbox", await client.GetPageAsync("/admin/jobs/recurring"));
    }
}
