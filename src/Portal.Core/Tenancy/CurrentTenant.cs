using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>
/// Who is asking, and for which organisation: one per request or circuit, filled in by the web host
/// (middleware for requests, a circuit handler for interactive sessions) before any page runs.
/// </summary>
public sealed class CurrentTenant
{
    public string? UserId { get; private set; }
    public Guid? TenantId { get; private set; }
    public string? TenantName { get; private set; }
    public string? TenantSlug { get; private set; }
    public TenantRole? Role { get; private set; }
    public TenantState? State { get; private set; }
    public string? SuspendedReason { get; private set; }
    public bool IsSupport { get; private set; }
    public bool IsResolved { get; private set; }
    /// <summary>Set when the caller is an API key (then <see cref="UserId"/> is the member who made it).</summary>
    public Guid? ApiKeyId { get; private set; }
    public Portal.Core.ApiKeys.ApiKeyScopes ApiKeyScopes { get; private set; }

    public bool IsSuspended => State == TenantState.Suspended;

    /// <summary>
    /// True for an interactive session (a circuit lives for hours): its role is read again before each change
    /// (<see cref="RefreshAsync"/>), so a member demoted or removed meanwhile cannot act with the old role.
    /// </summary>
    public bool IsLongLived { get; private set; }

    public void MarkLongLived() => IsLongLived = true;

    /// <summary>
    /// In a long-lived session, re-reads the member's role and the organisation's state (one query); a member who was
    /// removed is left with no organisation (reads nothing, may do nothing). Requests and API keys were resolved
    /// when they began, so for them this does nothing.
    /// </summary>
    public async Task RefreshAsync(IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct = default)
    {
        if (!IsLongLived || UserId is null || TenantId is not { } tenantId || ApiKeyId is not null) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // This user's own membership of the tenant this session acts in, nothing else.
        var now = await db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == UserId && m.TenantId == tenantId)
            .Select(m => new { m.Role, m.Tenant!.State, m.Tenant.SuspendedReason }).FirstOrDefaultAsync(ct);
        if (now is null)
        {
            TenantId = null;
            Role = null;
            return;
        }
        Role = now.Role;
        State = now.State;
        SuspendedReason = now.SuspendedReason;
    }

    internal void Set(string? userId, bool isSupport, Membership? membership)
    {
        UserId = userId;
        IsSupport = isSupport;
        TenantId = membership?.TenantId;
        TenantName = membership?.Tenant?.Name;
        TenantSlug = membership?.Tenant?.Slug;
        Role = membership?.Role;
        State = membership?.Tenant?.State;
        SuspendedReason = membership?.Tenant?.SuspendedReason;
        ApiKeyId = null;
        ApiKeyScopes = Portal.Core.ApiKeys.ApiKeyScopes.None;
        IsResolved = true;
    }

    /// <summary>
    /// A request made with an API key: the key's tenant, acting with the key's role (never Support, whoever made it).
    /// </summary>
    public void SetApiKey(Portal.Core.ApiKeys.ApiKeyCaller caller)
    {
        UserId = caller.UserId;
        IsSupport = false;
        TenantId = caller.TenantId;
        TenantName = caller.TenantName;
        TenantSlug = caller.TenantSlug;
        Role = caller.Role;
        State = caller.TenantState;
        SuspendedReason = caller.SuspendedReason;
        ApiKeyId = caller.KeyId;
        ApiKeyScopes = caller.Scopes;
        IsResolved = true;
    }

    /// <summary>True when the current member's role is at least <paramref name="role"/>.</summary>
    public bool HasRole(TenantRole role) => Role is { } r && r <= role;

    /// <summary>
    /// The check to make before anything that costs money starts: re-reads the organisation's state, since an
    /// interactive session resolved before a suspension must not spend after it.
    /// </summary>
    public async Task EnsureCanSpendAsync(PortalDbContext db, CancellationToken ct = default)
    {
        if (TenantId is { } id)
        {
            var now = await db.Tenants.Where(t => t.Id == id).Select(t => new { t.State, t.SuspendedReason }).FirstOrDefaultAsync(ct);
            State = now?.State;
            SuspendedReason = now?.SuspendedReason;
        }
        EnsureCanSpend();
    }

    /// <summary>The same check on a state the caller just read itself (in a query that fetched more, to save a round trip).</summary>
    public void EnsureCanSpend(TenantState? state, string? suspendedReason)
    {
        if (TenantId is not null)
        {
            State = state;
            SuspendedReason = suspendedReason;
        }
        EnsureCanSpend();
    }

    /// <summary>
    /// The same check on what was read when the request or session began (a lease hold, a batch, a job): a suspended
    /// organisation may read but not spend.
    /// </summary>
    public void EnsureCanSpend()
    {
        if (TenantId is null) throw TenantActionRefusedException.NoOrganisation();
        if (IsSuspended) throw TenantActionRefusedException.Suspended(TenantName, SuspendedReason);
    }

    /// <summary>
    /// The one role check before a change: re-reads the member's role (an open page acts with the role its member has
    /// now), then refuses when there is no organisation or the role is below <paramref name="role"/>.
    /// <paramref name="what"/> completes "cannot …", e.g. "create batches".
    /// </summary>
    public async Task RequireRoleAsync(IDbContextFactory<PortalDbContext> dbFactory, TenantRole role, string what, CancellationToken ct = default)
    {
        await RefreshAsync(dbFactory, ct);
        RequireRole(role, what);
    }

    /// <summary>The same check on the role read when the request began or last refreshed.</summary>
    public void RequireRole(TenantRole role, string what)
    {
        if (TenantId is null) throw TenantActionRefusedException.NoOrganisation();
        if (!HasRole(role)) throw TenantActionRefusedException.RoleTooLow(Role, role, what, TenantName, ApiKeyId is not null);
    }

    /// <summary>Refuses API keys: what people do on pages (managing keys and members) a key cannot do.</summary>
    public void RequirePerson(string refusal)
    {
        if (ApiKeyId is not null) throw new TenantActionRefusedException("forbidden", refusal);
    }
}
