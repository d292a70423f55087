using Portal.Core.Tenancy;

namespace Portal.Core.ApiKeys;

/// <summary>
/// Who is calling with an API key, as found at the start of a request: the key, its tenant, and the role it acts
/// with (<see cref="ApiKeyRoles.Effective"/>). Never cached across requests, so a revoke counts at once.
/// </summary>
public sealed record ApiKeyCaller(
    Guid KeyId, string KeyName, string Prefix, ApiKeyScopes Scopes,
    Guid TenantId, string TenantName, string TenantSlug, TenantState TenantState, string? SuspendedReason,
    string UserId, string? UserEmail, TenantRole Role)
{
    /// <summary>How the audit log names the actor: the member who made the key, through the key.</summary>
    public string ActorName => $"{UserEmail ?? UserId} (API key {Prefix}…)";
}

/// <summary>
/// How scopes become a role. A key acts as the most powerful role its scopes need, and never more than its
/// creator's role today (a creator demoted or gone takes the key's power with them):
/// <list type="bullet">
/// <item><see cref="ApiKeyScopes.Read"/>: Viewer (reads only).</item>
/// <item><see cref="ApiKeyScopes.Batches"/>: Member (files and batches on /v1).</item>
/// <item><see cref="ApiKeyScopes.Jobs"/>: Member (launch and cancel script jobs on leases).</item>
/// <item><see cref="ApiKeyScopes.Leases"/>: Admin (quote, sign, extend, cancel and release leases).</item>
/// </list>
/// Scopes also fence the APIs: /v1 needs Read (to read) or Batches, /api/v1/leases needs Read (to read) or Leases,
/// script jobs (/api/v1/leases/{id}/jobs, /api/v1/jobs) need Read (to read) or Jobs.
/// </summary>
public static class ApiKeyRoles
{
    public const ApiKeyScopes All = ApiKeyScopes.Read | ApiKeyScopes.Batches | ApiKeyScopes.Leases | ApiKeyScopes.Jobs;

    /// <summary>The role a key's scopes need; creating a key needs at least this role.</summary>
    public static TenantRole Needed(ApiKeyScopes scopes) =>
        scopes.HasFlag(ApiKeyScopes.Leases) ? TenantRole.Admin
        : scopes.HasFlag(ApiKeyScopes.Batches) || scopes.HasFlag(ApiKeyScopes.Jobs) ? TenantRole.Member
        : TenantRole.Viewer;

    /// <summary>The weaker of what the scopes need and what the creator is (roles are ordered most powerful first).</summary>
    public static TenantRole Effective(ApiKeyScopes scopes, TenantRole creatorRole) =>
        (TenantRole)Math.Max((int)Needed(scopes), (int)creatorRole);

    /// <summary>Read, Batches, Leases, Jobs → "Read, Batches, Leases, Jobs".</summary>
    public static string Describe(ApiKeyScopes scopes) => scopes == ApiKeyScopes.None ? "none" : scopes.ToString();
}
