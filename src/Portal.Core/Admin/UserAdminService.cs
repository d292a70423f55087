using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Core.Refusals;

namespace Portal.Core.Admin;

/// <summary>
/// Support's view of user accounts across tenants: search, memberships, lock and unlock.
/// Locks and unlocks are written to the audit log in the same SaveChanges as the change itself.
/// </summary>
public sealed class UserAdminService(IDbContextFactory<PortalDbContext> dbFactory, IServiceScopeFactory scopes,
    AuditLog audit, AuditOrigin origin, TimeProvider time)
{
    /// <summary>Users whose e-mail contains <paramref name="search"/>, ignoring case, by e-mail.</summary>
    public async Task<PagedResult<UserRow>> SearchAsync(string? search, int page = 1, int pageSize = 25, CancellationToken ct = default)
    {
        (page, pageSize) = PagedResult<UserRow>.Clamp(page, pageSize);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var query = db.Users.AsQueryable();
        if (search?.Trim() is { Length: > 0 } q)
        {
            // NormalizedEmail is upper case on every provider, so this is case-insensitive everywhere.
            var normalized = LikePattern.Containing(q.ToUpperInvariant());
            query = query.Where(u => EF.Functions.Like(u.NormalizedEmail!, normalized, LikePattern.Escape));
        }
        var total = await query.CountAsync(ct);
        var rows = await Project(db, query.OrderBy(u => u.NormalizedEmail).ThenBy(u => u.Id).Skip((page - 1) * pageSize).Take(pageSize))
            .ToListAsync(ct);
        var now = time.GetUtcNow();
        var items = rows.Select(r => new UserRow(r.Id, r.Email ?? r.Id, r.EmailConfirmed, IsLocked(r.LockoutEnabled, r.LockoutEnd, now),
            r.LockoutEnd, r.IsSupport, r.Memberships)).ToList();
        return new(items, total, page, pageSize);
    }

    /// <summary>One user with their memberships in every tenant, or null.</summary>
    public async Task<UserDetail?> GetAsync(string userId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var r = await Project(db, db.Users.Where(u => u.Id == userId)).FirstOrDefaultAsync(ct);
        if (r is null) return null;
        return new(r.Id, r.Email ?? r.Id, r.EmailConfirmed, IsLocked(r.LockoutEnabled, r.LockoutEnd, time.GetUtcNow()), r.LockoutEnd,
            r.AccessFailedCount, r.IsSupport, r.CreatedAt, r.Memberships);
    }

    /// <summary>Locks the account with no end: the user cannot sign in until Support unlocks it.</summary>
    public async Task<string> LockAsync(string userId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        if (userId == origin.UserId) throw ActionRefusedException.Refused("You cannot lock your own account.");

        await using var scope = scopes.CreateAsyncScope();
        var (users, db) = Resolve(scope);
        var user = await users.FindByIdAsync(userId);
        if (user is null) throw ActionRefusedException.NotFound("There is no such user.");
        if (user.LockoutEnabled && user.LockoutEnd is { Year: >= 9999 })
            throw ActionRefusedException.Refused($"{user.Email} is already locked. Nothing was changed.");

        // Accounts may have been made with lockout off; SetLockoutEndDateAsync refuses those.
        user.LockoutEnabled = true;
        audit.Add(db, AdminActions.UserLocked, AdminActions.UserTarget, user.Id, user.Email, reason: why);
        var result = await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        if (!result.Succeeded) throw Failed(result);
        // Sessions already signed in end at their next security-stamp check.
        await users.UpdateSecurityStampAsync(user);
        return $"{user.Email} is locked and cannot sign in.";
    }

    /// <summary>Ends a lock, Support's or one after failed passwords, and forgets the failed attempts.</summary>
    public async Task<string> UnlockAsync(string userId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);

        await using var scope = scopes.CreateAsyncScope();
        var (users, db) = Resolve(scope);
        var user = await users.FindByIdAsync(userId);
        if (user is null) throw ActionRefusedException.NotFound("There is no such user.");
        if (!IsLocked(user.LockoutEnabled, user.LockoutEnd, time.GetUtcNow()))
            throw ActionRefusedException.Refused($"{user.Email} is not locked. Nothing was changed.");

        // Set here rather than through ResetAccessFailedCountAsync so that it commits in the one save below.
        user.AccessFailedCount = 0;
        audit.Add(db, AdminActions.UserUnlocked, AdminActions.UserTarget, user.Id, user.Email, reason: why);
        var result = await users.SetLockoutEndDateAsync(user, null);
        return result.Succeeded ? $"{user.Email} is unlocked and can sign in again." : throw Failed(result);
    }

    private static bool IsLocked(bool enabled, DateTimeOffset? end, DateTimeOffset now) => enabled && end > now;

    /// <summary>
    /// A fresh UserManager and the very context its store saves through: an audit event added to that
    /// context commits in the same SaveChanges as the user's change.
    /// </summary>
    private static (UserManager<ApplicationUser>, PortalDbContext) Resolve(IServiceScope scope) =>
        (scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>(), scope.ServiceProvider.GetRequiredService<PortalDbContext>());

    private static ActionRefusedException Failed(IdentityResult result) =>
        ActionRefusedException.Refused("Nothing was changed: " + string.Join(" ", result.Errors.Select(e => e.Description)));

    private sealed record Projected(string Id, string? Email, bool EmailConfirmed, bool LockoutEnabled, DateTimeOffset? LockoutEnd,
        int AccessFailedCount, DateTime CreatedAt, bool IsSupport, List<UserMembershipRow> Memberships);

    private static IQueryable<Projected> Project(PortalDbContext db, IQueryable<ApplicationUser> users) =>
        users.Select(u => new Projected(u.Id, u.Email, u.EmailConfirmed, u.LockoutEnabled, u.LockoutEnd, u.AccessFailedCount, u.CreatedAt,
            db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == TenantResolver.SupportRole)),
            db.Memberships.Where(m => m.UserId == u.Id).OrderBy(m => m.Tenant!.Name)
                .Select(m => new UserMembershipRow(m.TenantId, m.Tenant!.Name, m.Role)).ToList()));
}
