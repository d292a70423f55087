using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>Closing one's account follows the rule of leaving: the last Owner cannot (issue 12: the organisation was left with no one).</summary>
public sealed class AccountDeletionTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_last_owner_cannot_delete_their_account_and_nothing_changes()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner, "Lonely Labs " + Guid.NewGuid().ToString("N")[..6]);
        await factory.AddMemberAsync(tenant.Id, await factory.CreateUserAsync(), TenantRole.Admin);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);

        var response = await Delete(client);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains($"You are the last Owner of {tenant.Name}, so you cannot delete your account", html);
        Assert.True(await UserExistsAsync(owner.Id));
        Assert.Equal(2, await MemberCountAsync(tenant.Id));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organizations")).StatusCode); // still signed in
    }

    [Fact]
    public async Task The_refusal_names_every_organisation_left_without_an_owner()
    {
        var owner = await factory.CreateUserAsync();
        var first = await factory.CreateOrganizationAsync(owner, "Alpha " + Guid.NewGuid().ToString("N")[..6]);
        var second = await factory.CreateOrganizationAsync(owner, "Beta " + Guid.NewGuid().ToString("N")[..6]);
        var shared = await factory.CreateOrganizationAsync(owner, "Gamma " + Guid.NewGuid().ToString("N")[..6]);
        await factory.AddMemberAsync(shared.Id, await factory.CreateUserAsync(), TenantRole.Owner);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);

        var html = WebUtility.HtmlDecode(await (await Delete(client)).Content.ReadAsStringAsync());

        var refusal = System.Text.RegularExpressions.Regex.Match(html, "You are the last Owner of [^<]*").Value;
        Assert.Contains($"last Owner of {first.Name} and {second.Name},", refusal);
        Assert.DoesNotContain(shared.Name, refusal);
        Assert.True(await UserExistsAsync(owner.Id));
    }

    [Fact]
    public async Task An_owner_with_another_owner_may_delete_their_account()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var partner = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenant.Id, partner, TenantRole.Owner);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);

        var response = await Delete(client);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.False(await UserExistsAsync(owner.Id));
        Assert.Equal(1, await MemberCountAsync(tenant.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/organizations")).StatusCode);
    }

    private static Task<HttpResponseMessage> Delete(PortalClient client) =>
        client.SubmitFormAsync("/Account/Manage/DeletePersonalData", "delete-user",
            new Dictionary<string, string> { ["Input.Password"] = PortalFactory.Password });

    private async Task<bool> UserExistsAsync(string id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Users.AnyAsync(u => u.Id == id);
    }

    private async Task<int> MemberCountAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Memberships.CountAsync(m => m.TenantId == tenantId);
    }
}
