using System.Net;
using System.Net.Mail;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Email;

namespace Portal.Core.Tenancy;

public sealed record PendingInvitation(Guid Id, string Email,
    [property: JsonConverter(typeof(JsonStringEnumConverter<TenantRole>))] TenantRole Role, string? InvitedBy, DateTime CreatedAt,
    DateTime ExpiresAt, bool Expired);

/// <summary>
/// Invitations to the organisation: send, resend, revoke and the list of open ones. Every change goes through
/// <see cref="TeamGate"/> and is audited; the invited person gets the link by e-mail.
/// </summary>
public sealed class TeamInvitations(IDbContextFactory<PortalDbContext> dbFactory, TeamGate gate, CurrentTenant tenant, AuditLog audit,
    TimeProvider time, IEmailSender email)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Open invitations (expired ones too, marked, so they can be resent), for Owners and Admins only.</summary>
    public async Task<List<PendingInvitation>> ListInvitationsAsync(CancellationToken ct = default)
    {
        if (!gate.CanManage) return [];
        var now = Now;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Invitations.AsNoTracking().Where(i => i.AcceptedAt == null && i.RevokedAt == null)
            .OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Id)
            .Select(i => new PendingInvitation(i.Id, i.Email, i.Role,
                db.Users.Where(u => u.Id == i.InvitedByUserId).Select(u => u.Email).FirstOrDefault(),
                i.CreatedAt, i.ExpiresAt, i.ExpiresAt <= now))
            .ToListAsync(ct);
    }

    /// <summary>"Ada@Example.com " → "ada@example.com"; null when it is not an e-mail address.</summary>
    public static string? NormalizeEmail(string? address)
    {
        var trimmed = address?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > 256 || trimmed.Contains(' ')) return null;
        if (!MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed || !trimmed.Contains('.', StringComparison.Ordinal)) return null;
        return trimmed.ToLowerInvariant();
    }

    /// <summary>
    /// Invites <paramref name="address"/> with <paramref name="role"/> and e-mails the link (<paramref name="baseUri"/> +
    /// <c>invitations/{token}</c>). Refused for people already in the organisation or already invited (an expired
    /// invitation is replaced instead), and for roles the inviter may not give.
    /// </summary>
    public async Task<PendingInvitation> InviteAsync(string? address, TenantRole role, string baseUri, CancellationToken ct = default)
    {
        var normalized = NormalizeEmail(address) ?? throw TeamException.Invalid("Enter the e-mail address of the person to invite, e.g. ada@example.com.");
        if (!Enum.IsDefined(role)) throw TeamException.Invalid("Choose a role: Owner, Admin, Member or Viewer.");
        var (db, tx, actor) = await gate.BeginAsync("invite people", managing: true, ct);
        await using var _ = db;
        await using var __ = tx;
        if (!TeamRules.CanGrant(actor.Role, role))
            throw TeamException.Forbidden($"Admins cannot invite Owners; ask an Owner of {tenant.TenantName}, or invite as Admin.");
        var upper = normalized.ToUpperInvariant(); // Identity's normalised form
        if (await db.Memberships.AnyAsync(m => m.User!.NormalizedEmail == upper, ct))
            throw TeamException.Conflict("already_member", $"{normalized} is already a member of {tenant.TenantName}.");
        var now = Now;
        var open = await db.Invitations.FirstOrDefaultAsync(i => i.Email == normalized && i.AcceptedAt == null && i.RevokedAt == null, ct);
        if (open is not null && !open.IsExpired(now))
            throw TeamException.Conflict("already_invited",
                $"{normalized} was already invited on {open.CreatedAt:d MMM yyyy} (link valid until {open.ExpiresAt:d MMM yyyy HH:mm} UTC). " +
                "Resend or revoke that invitation instead.");

        var (invitation, token) = NewInvitation(normalized, role, actor.UserId, now);
        if (open is not null)
        {
            // An expired invitation is replaced; it must stop being open before the new one takes its place in the index.
            Retire(open, invitation.Id, actor.UserId, now);
            await db.SaveChangesAsync(ct);
        }
        db.Invitations.Add(invitation);
        audit.Add(db, "invitation.created", "Invitation", invitation.Id.ToString(), $"{normalized} as {role}", tenant.TenantId);
        await SaveOrExplainAsync(db, normalized, ct);
        await tx.CommitAsync(ct);
        await SendAsync(invitation, token, actor.User?.Email, baseUri, ct);
        return new PendingInvitation(invitation.Id, invitation.Email, role, actor.User?.Email, invitation.CreatedAt, invitation.ExpiresAt, false);
    }

    /// <summary>Sends a new link (valid for 7 days from now) in place of the old one, which stops working.</summary>
    public async Task<PendingInvitation> ResendAsync(Guid invitationId, string baseUri, CancellationToken ct = default)
    {
        var (db, tx, actor) = await gate.BeginAsync("resend invitations", managing: true, ct);
        await using var _ = db;
        await using var __ = tx;
        var old = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct)
                  ?? throw TeamException.NotFound("There is no such invitation in this organisation.");
        if (!old.IsOpen)
            throw TeamException.Conflict("invitation_closed",
                $"The invitation for {old.Email} was already {(old.AcceptedAt is null ? "revoked" : "accepted")}.");
        if (!TeamRules.CanGrant(actor.Role, old.Role))
            throw TeamException.Forbidden($"Admins cannot invite Owners; ask an Owner of {tenant.TenantName} to resend it.");
        var now = Now;
        var (invitation, token) = NewInvitation(old.Email, old.Role, actor.UserId, now);
        Retire(old, invitation.Id, actor.UserId, now);
        // The old row must stop being "open" before the new one takes its place under the unique index.
        await db.SaveChangesAsync(ct);
        db.Invitations.Add(invitation);
        audit.Add(db, "invitation.resent", "Invitation", invitation.Id.ToString(), $"{old.Email} as {old.Role} (replaces {old.Id})", tenant.TenantId);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await SendAsync(invitation, token, actor.User?.Email, baseUri, ct);
        return new PendingInvitation(invitation.Id, invitation.Email, invitation.Role, actor.User?.Email, invitation.CreatedAt, invitation.ExpiresAt, false);
    }

    /// <summary>Revokes an open invitation: its link then says so. Revoking twice changes nothing more.</summary>
    public async Task RevokeInvitationAsync(Guid invitationId, CancellationToken ct = default)
    {
        var (db, tx, actor) = await gate.BeginAsync("revoke invitations", managing: true, ct);
        await using var _ = db;
        await using var __ = tx;
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct)
                         ?? throw TeamException.NotFound("There is no such invitation in this organisation.");
        if (invitation.RevokedAt is not null) return;
        if (invitation.AcceptedAt is not null)
            throw TeamException.Conflict("invitation_closed", $"{invitation.Email} already accepted this invitation; remove the member instead.");
        invitation.RevokedAt = Now;
        invitation.RevokedByUserId = actor.UserId;
        audit.Add(db, "invitation.revoked", "Invitation", invitation.Id.ToString(), $"{invitation.Email} as {invitation.Role}", tenant.TenantId);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static (Invitation Invitation, string Token) NewInvitation(string address, TenantRole role, string invitedBy, DateTime now)
    {
        var token = InvitationToken.New();
        return (new Invitation
        {
            Email = address, Role = role, TokenHash = InvitationToken.Hash(token), InvitedByUserId = invitedBy,
            CreatedAt = now, ExpiresAt = now + InvitationToken.Lifetime,
        }, token);
    }

    private static void Retire(Invitation old, Guid replacedBy, string userId, DateTime now)
    {
        old.RevokedAt = now;
        old.RevokedByUserId = userId;
        old.ReplacedById = replacedBy;
    }

    /// <summary>The unique index on open invitations is the last word when two people invite the same address at once.</summary>
    private async Task SaveOrExplainAsync(Data.PortalDbContext db, string address, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            throw TeamException.Conflict("already_invited", $"{address} was invited a moment ago by someone else.");
        }
    }

    private Task SendAsync(Invitation invitation, string token, string? inviter, string baseUri, CancellationToken ct)
    {
        var link = baseUri.TrimEnd('/') + "/" + InvitationToken.PathFor(token);
        var org = WebUtility.HtmlEncode(tenant.TenantName);
        var body =
            $"<p>{WebUtility.HtmlEncode(inviter ?? "A member")} invited you to join <strong>{org}</strong> " +
            $"on Portal as {TeamRules.WithArticle(invitation.Role)}.</p>" +
            $"<p><a href=\"{WebUtility.HtmlEncode(link)}\">Accept the invitation</a></p>" +
            $"<p>The link works once and expires on {invitation.ExpiresAt:d MMM yyyy, HH:mm} UTC. If you have no Portal account yet, " +
            $"create one with this address ({WebUtility.HtmlEncode(invitation.Email)}) and open the link again.</p>";
        return email.SendAsync(invitation.Email, $"Join {tenant.TenantName} on Portal", body, ct);
    }
}
