using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.ApiKeys;

/// <summary>Who may create, see and revoke keys, and what is kept of a secret.</summary>
public class ApiKeyServiceTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task An_owner_creates_a_key_whose_secret_is_shown_once_and_kept_only_as_a_hash()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var owner = await factory.As(tenantId, ownerId);

        var created = await owner.Get<ApiKeyService>().CreateAsync("  nightly evals  ", ApiKeyScopes.Read | ApiKeyScopes.Batches);

        Assert.Matches("^sk-portal-[A-Za-z0-9]{40}$", created.Secret);
        Assert.Equal("nightly evals", created.Key.Name);
        Assert.Equal(created.Secret[..14], created.Key.Prefix);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var row = await db.ApiKeys.SingleAsync(k => k.Id == created.Key.Id);
        Assert.Equal(ApiKeySecret.Hash(created.Secret), row.SecretHash);
        Assert.DoesNotContain(created.Secret[14..], row.SecretHash + row.Prefix + row.Name);
        Assert.Equal(tenantId, row.TenantId);
        Assert.Equal(ownerId, row.CreatedByUserId);
        var audit = await db.AuditEvents.SingleAsync(e => e.Action == "api_key.created" && e.TargetId == row.Id.ToString());
        Assert.Equal(tenantId, audit.TenantId);
        Assert.DoesNotContain(created.Secret, audit.TargetName);
    }

    [Fact]
    public async Task Members_and_viewers_see_the_keys_but_cannot_create_or_revoke_them()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var secret = await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read, "reporting");
        foreach (var role in new[] { TenantRole.Member, TenantRole.Viewer })
        {
            await using var member = await factory.As(tenantId, await NewMemberAsync(factory, tenantId, role));
            var keys = member.Get<ApiKeyService>();

            var listed = Assert.Single(await keys.ListAsync());
            Assert.Equal(("reporting", secret[..14], ApiKeyScopes.Read), (listed.Name, listed.Prefix, listed.Scopes));
            Assert.False(keys.CanManage);
            var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() => keys.CreateAsync("mine", ApiKeyScopes.Read));
            Assert.Contains($"Your role ({role}) cannot create API keys", refused.Message);
            await Assert.ThrowsAsync<TenantActionRefusedException>(() => keys.RevokeAsync(listed.Id));
        }
        await using var owner = await factory.As(tenantId, ownerId);
        Assert.Single(await owner.Get<ApiKeyService>().ListAsync());
        Assert.Null((await owner.Get<ApiKeyService>().ListAsync())[0].RevokedAt);
    }

    [Fact]
    public async Task An_admin_revokes_a_key_once_and_the_audit_log_says_so()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Batches);
        await using var admin = await factory.As(tenantId, await NewMemberAsync(factory, tenantId, TenantRole.Admin));
        var keys = admin.Get<ApiKeyService>();
        var key = Assert.Single(await keys.ListAsync());

        await keys.RevokeAsync(key.Id);
        await keys.RevokeAsync(key.Id);

        Assert.Equal(factory.Now, Assert.Single(await keys.ListAsync()).RevokedAt);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.Action == "api_key.revoked" && e.TargetId == key.Id.ToString()));
    }

    [Fact]
    public async Task A_key_needs_a_name_and_a_scope_and_another_tenants_key_cannot_be_revoked()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var (otherTenant, otherOwner) = await factory.NewTenantAsync();
        await NewKeyAsync(factory, otherTenant, otherOwner, ApiKeyScopes.Read);
        Guid othersKey;
        await using (var other = await factory.As(otherTenant, otherOwner))
            othersKey = (await other.Get<ApiKeyService>().ListAsync())[0].Id;
        await using var owner = await factory.As(tenantId, ownerId);
        var keys = owner.Get<ApiKeyService>();

        Assert.Contains("name", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.CreateAsync(" ", ApiKeyScopes.Read))).Message);
        Assert.Contains("scope", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.CreateAsync("x", ApiKeyScopes.None))).Message);
        Assert.Contains("no such API key", (await Assert.ThrowsAsync<ApiKeyException>(() => keys.RevokeAsync(othersKey))).Message);
        Assert.Empty(await keys.ListAsync());
        await using var otherAgain = await factory.As(otherTenant, otherOwner);
        Assert.Null((await otherAgain.Get<ApiKeyService>().ListAsync())[0].RevokedAt);
    }

    [Theory]
    [InlineData(ApiKeyScopes.Read, TenantRole.Owner, TenantRole.Viewer)]
    [InlineData(ApiKeyScopes.Read | ApiKeyScopes.Batches, TenantRole.Owner, TenantRole.Member)]
    [InlineData(ApiKeyScopes.Batches | ApiKeyScopes.Leases, TenantRole.Owner, TenantRole.Admin)]
    [InlineData(ApiKeyScopes.Batches | ApiKeyScopes.Leases, TenantRole.Viewer, TenantRole.Viewer)]
    [InlineData(ApiKeyScopes.Leases, TenantRole.Member, TenantRole.Member)]
    public void A_key_acts_with_what_its_scopes_need_and_never_more_than_its_creator(ApiKeyScopes scopes, TenantRole creator, TenantRole expected) =>
        Assert.Equal(expected, ApiKeyRoles.Effective(scopes, creator));
}
