using System.Net.Mail;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Email;
using Portal.Core.Notifications;

namespace Portal.Core.Tenancy;

public sealed record TeamMember(Guid Id, string UserId, string? Email,
    [property: JsonConverter(typeof(JsonStringEnumConverter<TenantRole>))] TenantRole Role, DateTime JoinedAt);

public sealed record PendingInvitation(Guid Id, string Email,
    [property: JsonConverter(typeof(JsonStringEnumConverter<TenantRole>))] TenantRole Role, string? InvitedBy, DateTime CreatedAt, DateTime ExpiresAt, bool Expired);

/// <summary>
/// The organisation's people: invitations (send, resend, revoke), role changes, removal and leaving. Every change
/// runs in a <see cref="TeamTransaction"/> that re-reads the actor's role, so a role taken away a moment ago counts
/// and two concurrent changes cannot leave the organisation without an Owner. Changes are audited and the person
/// affected is told (portal notification and e-mail). API keys cannot manage people.
/// </summary>
public sealed partial class TeamService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditLog audit,
    TimeProvider time, Notifier notifier, IEmailSender email)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Whether the current member may invite and manage people (for pages: the server checks again).</summary>
    public bool CanManage => tenant.TenantId is not null && tenant.ApiKeyId is null && tenant.Role is { } r && TeamRules.ManagesPeople(r);

    public async Task<List<TeamMember>> ListMembersAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Memberships.AsNoTracking().OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(m => new TeamMember(m.Id, m.UserId, m.User!.Email, m.Role, m.CreatedAt)).ToListAsync(ct);
    }

    /// <summary>Open invitations (expired ones too, marked, so they can be resent), for Owners and Admins only.</summary>
    public async Task<List<PendingInvitation>> ListInvitationsAsync(CancellationToken ct = default)
    {
        if (!CanManage) return [];
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
    /// Opens the team transaction and reads the actor's membership inside it (the role it has now, not when the page
    /// opened). Refuses API keys, people outside an organisation and, when <paramref name="managing"/>, Members and Viewers.
    /// </summary>
    private async Task<(PortalDbContext Db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction Tx, Membership Actor)> BeginAsync(
        string what, bool managing, CancellationToken ct)
    {
        if (tenant.TenantId is not { } tenantId || tenant.UserId is null) throw TeamException.Forbidden("Choose or create an organisation first.");
        if (tenant.ApiKeyId is not null) throw TeamException.Forbidden($"An API key cannot {what}; people are managed on the members page.");
        var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            var tx = await TeamTransaction.BeginAsync(db, tenantId, ct);
            var actor = await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == tenant.UserId, ct);
            if (actor is null)
            {
                await tx.DisposeAsync();
                throw TeamException.Forbidden($"You are no longer a member of {tenant.TenantName}.");
            }
            if (managing && !TeamRules.ManagesPeople(actor.Role))
            {
                await tx.DisposeAsync();
                throw TeamException.Forbidden(TeamRules.NotAllowed(actor.Role, what, tenant.TenantName));
            }
            return (db, tx, actor);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static Task<int> OwnerCountAsync(PortalDbContext db, CancellationToken ct) =>
        db.Memberships.CountAsync(m => m.Role == TenantRole.Owner, ct);

    /// <summary>Tells one person, in the portal and by e-mail (the notification job sends it).</summary>
    private void Tell(PortalDbContext db, string userId, string kind, string title, string body, string? link) =>
        notifier.Add(db, [userId], tenant.TenantId!.Value, kind, title, body, link);
}
