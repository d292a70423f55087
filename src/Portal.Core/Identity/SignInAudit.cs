using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Data;

namespace Portal.Core.Identity;

/// <summary>
/// Sign-ins, failed passwords and lockouts in the audit log, about the account and by the person at the keyboard (the
/// account itself, not yet signed in), with where they came from. Support's user page reads the last sign-in and the
/// failures from here rather than from columns of their own.
/// </summary>
public sealed class SignInAudit(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, AuditOrigin origin)
{
    public const string SignedIn = "user.signed_in";
    public const string SignInFailed = "user.sign_in_failed";
    public const string LockedOut = "user.locked_out";

    public static readonly string[] Actions = [SignedIn, SignInFailed, LockedOut];

    public async Task RecordAsync(ApplicationUser user, string action, string? reason = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var e = audit.Add(db, action, AdminActions.UserTarget, user.Id, user.Email, reason: reason);
        // Before the sign-in completes nobody is "the current user" yet: the attempt is the account holder's.
        e.ActorUserId ??= user.Id;
        if (origin.UserName is null) e.ActorName = user.Email ?? user.Id;
        await db.SaveChangesAsync();
    }
}
