using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Tenancy;
using Portal.Tests.Batches;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.Hosting;

/// <summary>
/// A page on another origin (another localhost port is the same site, so SameSite=Lax lets the cookie through)
/// auto-posts a form to the cookie-authenticated API: refused, and nothing changes. API keys and the portal's own
/// requests go through.
/// </summary>
public sealed class CsrfTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Attacker = "http://localhost:9999";

    [Fact]
    public async Task A_cross_origin_form_post_cannot_cancel_a_lease_with_the_cookie()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var id = await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("l40s-48gb", 1, factory.ThisHour.AddHours(50), 2));

        client.Http.DefaultRequestHeaders.Remove(CsrfHeader); // the attacker's page cannot add it

        var response = await client.Http.SendAsync(FormPost($"/api/v1/leases/{id}/cancel", Attacker, withPortalHeader: false));

        await AssertRefusedAsync(response, CsrfHeader);
        Assert.Equal("Held", await StateAsync(client, id));
    }

    [Fact]
    public async Task A_cross_origin_form_post_cannot_make_a_member_leave_the_organisation()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var member = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenant.Id, member, TenantRole.Member);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(member.Email!);
        client.Http.DefaultRequestHeaders.Remove(CsrfHeader);

        var response = await client.Http.SendAsync(FormPost("/api/v1/organization/leave", Attacker, withPortalHeader: false));

        await AssertRefusedAsync(response, CsrfHeader);
        Assert.True(await IsMemberAsync(tenant.Id, member.Id));
    }

    [Theory]
    [InlineData(Attacker, null)]
    [InlineData(null, "same-site")]
    [InlineData(null, "cross-site")]
    public async Task The_portal_header_is_not_enough_from_another_origin(string? origin, string? fetchSite)
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var id = await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("l40s-48gb", 1, factory.ThisHour.AddHours(52), 2));
        client.Http.DefaultRequestHeaders.Remove(CsrfHeader);
        var request = FormPost($"/api/v1/leases/{id}/cancel", origin, withPortalHeader: true);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);

        var response = await client.Http.SendAsync(request);

        await AssertRefusedAsync(response, origin ?? fetchSite!);
        Assert.Equal("Held", await StateAsync(client, id));
    }

    [Fact]
    public async Task An_api_key_needs_no_portal_header_whatever_the_origin()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var secret = await OpenAiTestKit.NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read | ApiKeyScopes.Leases);
        using var http = OpenAiTestKit.Http(factory, secret);
        var quoted = await http.PostAsJsonAsync("/api/v1/leases/quote", LeaseApiTests.Body("l40s-48gb", 1, factory.ThisHour.AddHours(54), 2));
        var id = (await LeaseApiCalls.JsonAsync(quoted, HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var response = await http.SendAsync(FormPost($"/api/v1/leases/{id}/cancel", Attacker, withPortalHeader: false));

        var lease = await LeaseApiCalls.JsonAsync(response, HttpStatusCode.OK);
        Assert.NotEqual("Held", lease.GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_portals_own_requests_with_the_cookie_still_cancel_and_leave()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        using var ownerClient = factory.CreatePortalClient();
        await ownerClient.SignInOrFailAsync(owner.Email!);
        var id = await LeaseApiCalls.QuoteAsync(ownerClient, LeaseApiTests.Body("l40s-48gb", 1, factory.ThisHour.AddHours(56), 2));

        var cancelled = await ownerClient.Http.SendAsync(SameOriginPost($"/api/v1/leases/{id}/cancel"));
        Assert.NotEqual("Held", (await LeaseApiCalls.JsonAsync(cancelled, HttpStatusCode.OK)).GetProperty("state").GetString());

        var member = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenant.Id, member, TenantRole.Member);
        using var memberClient = factory.CreatePortalClient();
        await memberClient.SignInOrFailAsync(member.Email!);
        var left = await memberClient.Http.SendAsync(SameOriginPost("/api/v1/organization/leave"));
        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        Assert.False(await IsMemberAsync(tenant.Id, member.Id));
    }

    /// <summary>What a browser sends for a page's auto-submitted form (no body fields needed by these endpoints).</summary>
    private static HttpRequestMessage FormPost(string url, string? origin, bool withPortalHeader)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent([new("x", "1")]) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (withPortalHeader) request.Headers.Add(CsrfHeader, "1");
        return request;
    }

    /// <summary>What the portal's own script would send: its origin, same-origin, and the header.</summary>
    private static HttpRequestMessage SameOriginPost(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add("Origin", "http://localhost");
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        request.Headers.Add(CsrfHeader, "1");
        return request;
    }

    private const string CsrfHeader = "X-Portal-Request";

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string reasonMentions)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reasonMentions, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    private static async Task<string?> StateAsync(PortalClient client, Guid id) =>
        (await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK)).GetProperty("state").GetString();

    private async Task<bool> IsMemberAsync(Guid tenantId, string userId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.TenantId == tenantId && m.UserId == userId);
    }
}
