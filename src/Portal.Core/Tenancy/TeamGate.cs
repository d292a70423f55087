using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;
using Portal.Core.Notifications;

namespace Portal.Core.Tenancy;

/// <summary>
/// The way into every change of the organisation's people (<see cref="TeamInvitations"/>, <see cref="TeamMembers"/>):
/// a <see cref="TeamTransaction"/> that re-reads the actor's role, so a role taken away a moment ago counts and two
/// concurrent changes cannot leave the organisation without an Owner. API keys cannot manage people.
/// </summary>
public sealed class TeamGate(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, Notifier notifier)
{
    /// <summary>Whether the current member may invite and manage people (for pages: the server checks again).</summary>
    public bool CanManage => tenant.TenantId is not null && tenant.ApiKeyId is null && tenant.Role is { } r && TeamRules.ManagesPeople(r);

    /// <summary>
    /// Opens the team transaction and reads the actor's membership inside it (the role it has now, not when the page
    /// opened). Refuses API keys, people outside an organisation and, when <paramref name="managing"/>, Members and Viewers.
    /// </summary>
    public async Task<(PortalDbContext Db, IDbContextTransaction Tx, Membership Actor)> BeginAsync(
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
                throw TeamException.Forbidden(TenantActionRefusedException.RoleMessage(actor.Role, TenantRole.Admin, what, tenant.TenantName));
            }
            return (db, tx, actor);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    public static Task<int> OwnerCountAsync(PortalDbContext db, CancellationToken ct) =>
        db.Memberships.CountAsync(m => m.Role == TenantRole.Owner, ct);

    /// <summary>Tells one person, in the portal and by e-mail (the notification job sends it).</summary>
    public void Tell(PortalDbContext db, string userId, string kind, string title, string body, string? link) =>
        notifier.Add(db, [userId], tenant.TenantId!.Value, kind, title, body, link);
}
