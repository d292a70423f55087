using Portal.Core.Tenancy;

namespace Portal.Core.Admin;

/// <summary>One page of a search: <see cref="Page"/> is 1-based.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize)
{
    public int PageCount => TotalCount == 0 ? 1 : (TotalCount + PageSize - 1) / PageSize;

    internal static (int Page, int PageSize) Clamp(int page, int pageSize) => (Math.Max(1, page), Math.Clamp(pageSize, 1, 100));
}

public static class AdminReason
{
    public const int MinLength = 3;
    public const int MaxLength = 500;

    /// <summary>The trimmed reason, or an error message when it is missing or out of bounds.</summary>
    public static string? Validate(string? reason, out string trimmed)
    {
        trimmed = reason?.Trim() ?? "";
        return trimmed.Length is < MinLength or > MaxLength
            ? $"Give a reason of {MinLength} to {MaxLength} characters: it is kept in the audit log."
            : null;
    }
}

public sealed record TenantRow(Guid Id, string Name, string Slug, TenantState State, int MemberCount, DateTime CreatedAt);

public sealed record TenantMemberRow(Guid MembershipId, string UserId, string? Email, TenantRole Role, DateTime JoinedAt);

public sealed record TenantDetail(Guid Id, string Name, string Slug, TenantState State, string? SuspendedReason,
    DateTime CreatedAt, IReadOnlyList<TenantMemberRow> Members);

public sealed record UserMembershipRow(Guid TenantId, string TenantName, TenantRole Role);

public sealed record UserRow(string Id, string Email, bool EmailConfirmed, bool IsLocked, DateTimeOffset? LockoutEnd,
    bool IsSupport, IReadOnlyList<UserMembershipRow> Memberships);

public sealed record UserDetail(string Id, string Email, bool EmailConfirmed, bool IsLocked, DateTimeOffset? LockoutEnd,
    int AccessFailedCount, bool IsSupport, DateTime CreatedAt, IReadOnlyList<UserMembershipRow> Memberships)
{
    /// <summary>Locked by Support (no end date) rather than for a while after failed passwords.</summary>
    public bool IsLockedIndefinitely => LockoutEnd is { Year: >= 9999 };
}

public sealed record AuditQuery(string? Action = null, string? Target = null, string? Actor = null, int Page = 1, int PageSize = 25);

public static class AdminActions
{
    public const string TenantSuspended = "tenant.suspended";
    public const string TenantReactivated = "tenant.reactivated";
    public const string TenantViewed = "tenant.viewed";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";

    public const string TenantTarget = "Tenant";
    public const string UserTarget = "User";
}
