using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Notifications;

namespace Portal.Core.Tenancy;

public enum InvitationStatus { Open, NotFound, Expired, Accepted, Revoked, Replaced }

/// <summary>What the link shows before anyone accepts: whose invitation, to what, and whether it still works.</summary>
public sealed record InvitationView(InvitationStatus Status, Guid? TenantId, string? TenantName, string? Email, TenantRole? Role,
    string? InvitedBy, DateTime? ExpiresAt)
{
    public static readonly InvitationView NotFound = new(InvitationStatus.NotFound, null, null, null, null, null, null);

    /// <summary>Why the link no longer works, for the page; null while it does.</summary>
    public string? Problem => Status switch
    {
        InvitationStatus.NotFound => "This invitation link is not valid. Check that you opened the whole link from the e-mail, or ask for a new invitation.",
        InvitationStatus.Expired =>
            $"This invitation to {TenantName} expired on {ExpiresAt:d MMM yyyy, HH:mm} UTC. Ask {InvitedBy ?? "an Owner or Admin"} to send a new one.",
        InvitationStatus.Accepted =>
            $"This invitation to {TenantName} was already used. Links work once; if you joined, open the portal and choose {TenantName}.",
        InvitationStatus.Revoked => $"This invitation to {TenantName} was withdrawn. Ask an Owner or Admin of {TenantName} if you still need access.",
        InvitationStatus.Replaced => $"A newer invitation to {TenantName} replaced this one: use the link in the latest e-mail.",
        _ => null,
    };
}

/// <summary>
/// The invitee's side of an invitation: reading a link and accepting it. Found by the token's hash alone, before the
/// invitee belongs to the organisation (the one way into its invitations from outside it, like an API key's lookup).
/// Accepting needs a signed-in user whose confirmed e-mail is the invited one; the link then works once.
/// </summary>
public sealed class InvitationAcceptance(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time, Notifier notifier)
{
    public async Task<InvitationView> ReadAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 100) return InvitationView.NotFound;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hash = InvitationToken.Hash(token);
        var invitation = await db.Invitations.IgnoreQueryFilters().AsNoTracking().Include(i => i.Tenant)
            .FirstOrDefaultAsync(i => i.TokenHash == hash, ct);
        if (invitation is null) return InvitationView.NotFound;
        var inviter = await db.Users.Where(u => u.Id == invitation.InvitedByUserId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        return View(invitation, inviter, time.GetUtcNow().UtcDateTime);
    }

    /// <summary>
    /// Joins <paramref name="userId"/> to the invitation's organisation with its role and makes it their current one.
    /// Refused (a <see cref="TeamException"/>, nothing changed) for a link that is unknown, expired, used, revoked or
    /// replaced, a user whose confirmed address is not the invited one, and someone already a member.
    /// </summary>
    public async Task<InvitationView> AcceptAsync(string? token, string userId, CancellationToken ct = default)
    {
        var seen = await ReadAsync(token, ct);
        if (seen.Status != InvitationStatus.Open || seen.TenantId is not { } tenantId)
            throw TeamException.Conflict("invitation_" + seen.Status.ToString().ToLowerInvariant(), seen.Problem!);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ForTenant(tenantId);
        await using var tx = await TeamTransaction.BeginAsync(db, tenantId, ct);
        // Read again in the organisation's turn: a concurrent accept, revoke or resend has committed by now.
        var hash = InvitationToken.Hash(token!);
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.TokenHash == hash, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var current = invitation is null ? InvitationView.NotFound : View(invitation, seen.InvitedBy, now) with { TenantName = seen.TenantName };
        if (current.Status != InvitationStatus.Open)
            throw TeamException.Conflict("invitation_" + current.Status.ToString().ToLowerInvariant(), current.Problem!);

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw TeamException.Forbidden("Sign in first.");
        if (!string.Equals(user.Email, invitation!.Email, StringComparison.OrdinalIgnoreCase))
            throw TeamException.Forbidden($"This invitation is for {invitation.Email}, but you are signed in as {user.Email}. " +
                $"Sign out and sign in (or create an account) with {invitation.Email}.");
        if (!user.EmailConfirmed)
            throw TeamException.Forbidden($"Confirm your e-mail address ({user.Email}) first: open the link we sent you, then this invitation again.");
        if (await db.Memberships.AnyAsync(m => m.UserId == userId, ct))
            throw TeamException.Conflict("already_member", $"You are already a member of {seen.TenantName}.");

        db.Memberships.Add(new Membership { UserId = userId, Role = invitation.Role, CreatedAt = now });
        invitation.AcceptedAt = now;
        invitation.AcceptedByUserId = userId;
        user.CurrentTenantId = tenantId;
        audit.Add(db, "invitation.accepted", "Invitation", invitation.Id.ToString(), $"{user.Email} joined as {invitation.Role}", tenantId)
            .ActorUserId ??= userId;
        await notifier.AddAsync(db, tenantId, "member.joined", $"{user.Email} joined {seen.TenantName}",
            $"{user.Email} accepted the invitation and joined {seen.TenantName} as {TeamRules.WithArticle(invitation.Role)}.", "/organization/members", ct: ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        notifier.AfterCommit(tenantId);
        return current;
    }

    private static InvitationView View(Invitation i, string? inviter, DateTime now)
    {
        var status = i.AcceptedAt is not null ? InvitationStatus.Accepted
            : i.ReplacedById is not null ? InvitationStatus.Replaced
            : i.RevokedAt is not null ? InvitationStatus.Revoked
            : i.IsExpired(now) ? InvitationStatus.Expired
            : InvitationStatus.Open;
        return new InvitationView(status, i.TenantId, i.Tenant?.Name, i.Email, i.Role, inviter, i.ExpiresAt);
    }
}
