using System.Net;
using System.Net.Http.Json;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Tenancy;

/// <summary>A member of tenant A asking for tenant B's things by id gets 404, through pages and APIs.</summary>
public sealed class TenantIsolationTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Another_tenants_member_is_404_through_the_api_and_the_page()
    {
        var alice = await factory.CreateUserAsync();
        var bob = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(alice, "Alice Labs");
        var bobsOrg = await factory.CreateOrganizationAsync(bob, "Bob Secret Compute");
        var bobsMember = await factory.AddMemberAsync(bobsOrg.Id, await factory.CreateUserAsync(), TenantRole.Admin);

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(alice.Email!);

        var api = await client.GetAsync($"/api/v1/organization/members/{bobsMember.Id}");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        var page = await client.GetAsync($"/organization/members/{bobsMember.Id}");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Bob Secret Compute", html);
        Assert.True(html.Contains("Not found"), html);

        // Her own organisation's members are there, and only them.
        var members = await client.Http.GetFromJsonAsync<List<MemberJson>>("/api/v1/organization/members");
        Assert.Equal([alice.Email], members!.Select(m => m.Email));
    }

    [Fact]
    public async Task Switching_to_an_organisation_you_do_not_belong_to_is_404_and_changes_nothing()
    {
        var alice = await factory.CreateUserAsync();
        var mallory = await factory.CreateUserAsync();
        var alicesOrg = await factory.CreateOrganizationAsync(alice, "Alice Original");
        var mallorysOrg = await factory.CreateOrganizationAsync(mallory, "Mallory Private");

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(alice.Email!);
        var response = await client.Http.PostAsync($"/api/v1/organizations/{mallorysOrg.Id}/switch", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var current = await client.Http.GetFromJsonAsync<OrganizationJson>("/api/v1/organization");
        Assert.Equal(alicesOrg.Id, current!.Id);
    }

    [Fact]
    public async Task A_user_in_two_organisations_switches_between_them()
    {
        var carol = await factory.CreateUserAsync();
        var first = await factory.CreateOrganizationAsync(carol, "Carol One");
        var second = await factory.CreateOrganizationAsync(carol, "Carol Two");

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(carol.Email!);
        Assert.Equal(second.Id, (await client.Http.GetFromJsonAsync<OrganizationJson>("/api/v1/organization"))!.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await client.Http.PostAsync($"/api/v1/organizations/{first.Id}/switch", null)).StatusCode);
        Assert.Equal(first.Id, (await client.Http.GetFromJsonAsync<OrganizationJson>("/api/v1/organization"))!.Id);
        Assert.Contains("Carol One", await client.GetPageAsync("/"));
    }

    [Fact]
    public async Task The_api_answers_401_problem_details_to_anonymous_callers()
    {
        using var client = factory.CreatePortalClient();
        var response = await client.GetAsync("/api/v1/organization/members");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private sealed record MemberJson(Guid Id, string? Email, string Role);
    private sealed record OrganizationJson(Guid Id, string Name, string Slug);
}
