using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Identity;

namespace Portal.Core.Admin;

/// <summary>What Support asks first about an account, beyond <see cref="UserDetail"/>: its sign-ins and its audit trail.</summary>
public sealed record UserSignInFacts(bool TwoFactorEnabled, int Passkeys, AuditEvent? LastSignIn, int FailedSince, AuditEvent? LastFailure,
    int Lockouts, AuditEvent? LastLockout);

/// <summary>
/// Reads an account's sign-in history and its events from the audit log: events about the user (locks, sign-ins) and
/// events the user did (creating an organisation, signing a lease), newest first.
/// </summary>
public sealed class UserActivity(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>How far back failed sign-ins and lockouts are counted.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    public async Task<UserSignInFacts?> SignInsAsync(string userId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var user = await db.Users.Where(u => u.Id == userId).Select(u => new { u.TwoFactorEnabled }).FirstOrDefaultAsync(ct);
        if (user is null) return null;
        var passkeys = await db.UserPasskeys.CountAsync(p => p.UserId == userId, ct);
        var about = About(db, userId);
        var since = time.GetUtcNow().UtcDateTime - Window;
        var last = await Newest(about.Where(e => e.Action == SignInAudit.SignedIn)).FirstOrDefaultAsync(ct);
        var failures = about.Where(e => e.Action == SignInAudit.SignInFailed && e.At >= since);
        var lockouts = about.Where(e => e.Action == SignInAudit.LockedOut && e.At >= since);
        return new(user.TwoFactorEnabled, passkeys, last,
            await failures.CountAsync(ct), await Newest(failures).FirstOrDefaultAsync(ct),
            await lockouts.CountAsync(ct), await Newest(lockouts).FirstOrDefaultAsync(ct));
    }

    /// <summary>The latest events about the user or by the user.</summary>
    public async Task<List<AuditEvent>> EventsAsync(string userId, int take = 25, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Newest(db.AuditEvents.AsNoTracking()
            .Where(e => (e.TargetType == AdminActions.UserTarget && e.TargetId == userId) || e.ActorUserId == userId)).Take(take).ToListAsync(ct);
    }

    private static IQueryable<AuditEvent> About(PortalDbContext db, string userId) =>
        db.AuditEvents.AsNoTracking().Where(e => e.TargetType == AdminActions.UserTarget && e.TargetId == userId);

    private static IQueryable<AuditEvent> Newest(IQueryable<AuditEvent> events) => events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id);
}
