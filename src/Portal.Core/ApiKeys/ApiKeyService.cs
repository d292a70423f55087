using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;

namespace Portal.Core.ApiKeys;

/// <summary>A key as the page lists it: never its secret nor its hash.</summary>
public sealed record ApiKeyInfo(Guid Id, string Name, string Prefix, ApiKeyScopes Scopes, string? CreatedBy,
    DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A new key and its secret, which is shown this once and never again.</summary>
public sealed record CreatedApiKey(ApiKeyInfo Key, string Secret);

/// <summary>An API key change refused (see <see cref="ActionRefusedException"/>): bad input unless said otherwise.</summary>
public sealed class ApiKeyException(string message, string code = "invalid_request", int status = 400) : ActionRefusedException(code, message, status);

/// <summary>
/// The organisation's API keys: Owners and Admins create and revoke them, every member sees the list. Every change is
/// audited with the change itself.
/// </summary>
public sealed class ApiKeyService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditLog audit, TimeProvider time)
{
    public const int MaxNameLength = 100;

    /// <summary>Everyone in the organisation may see them (not the secrets): newest first.</summary>
    public async Task<List<ApiKeyInfo>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiKeys.AsNoTracking()
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id)
            .Select(k => new ApiKeyInfo(k.Id, k.Name, k.Prefix, k.Scopes,
                db.Users.Where(u => u.Id == k.CreatedByUserId).Select(u => u.Email).FirstOrDefault(),
                k.CreatedAt, k.LastUsedAt, k.RevokedAt))
            .ToListAsync(ct);
    }

    public bool CanManage => tenant.TenantId is not null && tenant.ApiKeyId is null && tenant.HasRole(TenantRole.Admin);

    public async Task<CreatedApiKey> CreateAsync(string? name, ApiKeyScopes scopes, CancellationToken ct = default)
    {
        await EnsureCanManageAsync("create API keys", ct);
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0) throw new ApiKeyException("Give the key a name, e.g. the program that will use it.");
        if (trimmed.Length > MaxNameLength) throw new ApiKeyException($"The name may be at most {MaxNameLength} characters.");
        if (scopes == ApiKeyScopes.None || (scopes & ~ApiKeyRoles.All) != 0)
            throw new ApiKeyException("Choose at least one scope: Read, Batches, Leases or Jobs.");
        if (!tenant.HasRole(ApiKeyRoles.Needed(scopes)))
            throw new ApiKeyException($"Your role ({tenant.Role}) cannot make a key with the {ApiKeyRoles.Describe(scopes)} scopes.", "forbidden", 403);

        var secret = ApiKeySecret.New();
        var key = new ApiKey
        {
            Name = trimmed, Prefix = ApiKeySecret.PrefixOf(secret), SecretHash = ApiKeySecret.Hash(secret), Scopes = scopes,
            CreatedByUserId = tenant.UserId!, CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ApiKeys.Add(key);
        audit.Add(db, "api_key.created", "ApiKey", key.Id.ToString(), $"{key.Name} ({key.Prefix}…, {ApiKeyRoles.Describe(scopes)})", tenant.TenantId);
        await db.SaveChangesAsync(ct);
        var email = await db.Users.Where(u => u.Id == key.CreatedByUserId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        return new CreatedApiKey(new ApiKeyInfo(key.Id, key.Name, key.Prefix, key.Scopes, email, key.CreatedAt, null, null), secret);
    }

    /// <summary>Revokes a key at once (the next request with it is refused). Revoking a revoked key changes nothing.</summary>
    public async Task RevokeAsync(Guid id, CancellationToken ct = default)
    {
        await EnsureCanManageAsync("revoke API keys", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct)
            ?? throw new ApiKeyException("There is no such API key in this organisation.", "not_found", 404);
        if (key.IsRevoked) return;
        key.RevokedAt = time.GetUtcNow().UtcDateTime;
        key.RevokedByUserId = tenant.UserId;
        audit.Add(db, "api_key.revoked", "ApiKey", key.Id.ToString(), $"{key.Name} ({key.Prefix}…)", tenant.TenantId);
        await db.SaveChangesAsync(ct);
    }

    private async Task EnsureCanManageAsync(string what, CancellationToken ct)
    {
        // Keys are managed by people on the page; a key cannot mint or revoke keys.
        tenant.RequirePerson($"An API key cannot {what}.");
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Admin, what, ct);
    }
}
