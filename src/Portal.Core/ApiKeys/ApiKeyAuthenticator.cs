using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ApiKeys;

/// <summary>
/// Finds the caller behind a secret, on every request: one indexed query by hash (no cache, so a revoke made by any
/// process is refused on the very next request). Also notes when a key was last used, at most once a minute.
/// </summary>
public sealed class ApiKeyAuthenticator(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>The caller, or null for an unknown or revoked key, or one whose creator has left the organisation.</summary>
    public async Task<ApiKeyCaller?> AuthenticateAsync(string? secret, CancellationToken ct = default)
    {
        if (!ApiKeySecret.LooksValid(secret)) return null;
        var hash = ApiKeySecret.Hash(secret!);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Before any tenant is known, by the secret's hash alone: the one way into a tenant's keys from outside it.
        var found = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking()
            .Where(k => k.SecretHash == hash && k.RevokedAt == null)
            .Join(db.Memberships.IgnoreQueryFilters(), k => new { k.TenantId, UserId = k.CreatedByUserId }, m => new { m.TenantId, m.UserId },
                (k, m) => new
                {
                    k.Id, KeyName = k.Name, k.Prefix, k.Scopes, k.TenantId, k.LastUsedAt, m.UserId, m.Role,
                    TenantName = m.Tenant!.Name, m.Tenant.Slug, m.Tenant.State, m.Tenant.SuspendedReason, m.User!.Email,
                })
            .FirstOrDefaultAsync(ct);
        if (found is null) return null;

        var now = time.GetUtcNow().UtcDateTime;
        if (found.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            // Guarded in SQL too, so that concurrent requests write it once.
            var stale = now - LastUsedResolution;
            await db.ApiKeys.IgnoreQueryFilters()
                .Where(k => k.Id == found.Id && (k.LastUsedAt == null || k.LastUsedAt <= stale))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        return new ApiKeyCaller(found.Id, found.KeyName, found.Prefix, found.Scopes, found.TenantId, found.TenantName, found.Slug,
            found.State, found.SuspendedReason, found.UserId, found.Email, ApiKeyRoles.Effective(found.Scopes, found.Role));
    }
}
