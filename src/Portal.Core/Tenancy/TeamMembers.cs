using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Notifications;

namespace Portal.Core.Tenancy;

public sealed record TeamMember(Guid Id, string UserId, string? Email,
    [property: JsonConverter(typeof(JsonStringEnumConverter<TenantRole>))] TenantRole Role, DateTime JoinedAt);

/// <summary>
/// The organisation's members: the list, role changes, removal and leaving. Every change goes through
/// <see cref="TeamGate"/>, is audited and the person affected is told (portal notification and e-mail).
/// </summary>
public sealed class TeamMembers(IDbContextFactory<PortalDbContext> dbFactory, TeamGate gate, CurrentTenant tenant, AuditLog audit,
    Notifier notifier)
{
    public async Task<List<TeamMember>> ListMembersAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Memberships.AsNoTracking().OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(m => new TeamMember(m.Id, m.UserId, m.User!.Email, m.Role, m.CreatedAt)).ToListAsync(ct);
    }

    /// <summary>
    /// Gives a member another role. Owners change anyone; Admins change Admins, Members and Viewers, and never make
    /// anyone Owner. The last Owner cannot be demoted (also by themselves). Giving the role a member has changes nothing.
    /// </summary>
    public async Task<TeamMember> ChangeRoleAsync(Guid membershipId, TenantRole role, CancellationToken ct = default)
    {
        if (!Enum.IsDefined(role)) throw TeamException.Invalid("Choose a role: Owner, Admin, Member or Viewer.");
        var (db, tx, actor) = await gate.BeginAsync("change roles", managing: true, ct);
        await using var _ = db;
        await using var __ = tx;
        var member = await FindMemberAsync(db, membershipId, ct);
        var who = member.User?.Email ?? member.UserId;
        if (member.Role == role) return Info(member);
        if (!TeamRules.CanManage(actor.Role, member.Role))
            throw TeamException.Forbidden($"Admins cannot change an Owner's role; ask an Owner of {tenant.TenantName}.");
        if (!TeamRules.CanGrant(actor.Role, role))
            throw TeamException.Forbidden($"Admins cannot make anyone Owner; ask an Owner of {tenant.TenantName}.");
        if (member.Role == TenantRole.Owner && await TeamGate.OwnerCountAsync(db, ct) <= 1)
            throw TeamException.Conflict("last_owner",
                $"{who} is the last Owner of {tenant.TenantName}, so they stay Owner: make another member Owner first.");

        var before = member.Role;
        member.Role = role;
        audit.Add(db, "member.role_changed", "Membership", member.Id.ToString(), $"{who}: {before} → {role}", tenant.TenantId);
        if (member.UserId != actor.UserId)
            gate.Tell(db, member.UserId, "member.role_changed", $"You are now {TeamRules.WithArticle(role)} of {tenant.TenantName}",
                $"{actor.User?.Email ?? "An Owner or Admin"} changed your role in {tenant.TenantName} from {before} to {role}.", "/organization/members");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        notifier.AfterCommit(tenant.TenantId!.Value);
        return Info(member);
    }

    /// <summary>
    /// Removes a member (their API keys stop working with them). Owners remove anyone, Admins anyone but Owners; the last
    /// Owner cannot be removed. Removing yourself is leaving (<see cref="LeaveAsync"/>).
    /// </summary>
    public async Task RemoveAsync(Guid membershipId, CancellationToken ct = default)
    {
        var (db, tx, actor) = await gate.BeginAsync("remove members", managing: true, ct);
        await using var _ = db;
        await using var __ = tx;
        var member = await FindMemberAsync(db, membershipId, ct);
        if (member.UserId == actor.UserId)
            throw TeamException.Invalid("To remove yourself, use Leave organisation.");
        var who = member.User?.Email ?? member.UserId;
        if (!TeamRules.CanManage(actor.Role, member.Role))
            throw TeamException.Forbidden($"Admins cannot remove an Owner; ask an Owner of {tenant.TenantName}.");
        if (member.Role == TenantRole.Owner && await TeamGate.OwnerCountAsync(db, ct) <= 1)
            throw TeamException.Conflict("last_owner", $"{who} is the last Owner of {tenant.TenantName} and cannot be removed.");

        await DropMembershipAsync(db, member, ct);
        audit.Add(db, "member.removed", "Membership", member.Id.ToString(), $"{who} ({member.Role})", tenant.TenantId);
        gate.Tell(db, member.UserId, "member.removed", $"You were removed from {tenant.TenantName}",
            $"{actor.User?.Email ?? "An Owner or Admin"} removed you from {tenant.TenantName}. Its leases, batches and keys are no longer yours to use.", null);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        notifier.AfterCommit(tenant.TenantId!.Value);
    }

    /// <summary>The current member leaves the organisation; the last Owner cannot (make someone else Owner first).</summary>
    public async Task LeaveAsync(CancellationToken ct = default)
    {
        var (db, tx, actor) = await gate.BeginAsync("leave", managing: false, ct);
        await using var _ = db;
        await using var __ = tx;
        if (actor.Role == TenantRole.Owner && await TeamGate.OwnerCountAsync(db, ct) <= 1)
            throw TeamException.Conflict("last_owner",
                $"You are the last Owner of {tenant.TenantName}, so you cannot leave: make another member Owner first.");
        await DropMembershipAsync(db, actor, ct);
        var who = actor.User?.Email ?? actor.UserId;
        audit.Add(db, "member.left", "Membership", actor.Id.ToString(), $"{who} ({actor.Role})", tenant.TenantId);
        // The Owners and Admins who remain hear about it.
        var recipients = await db.Memberships.Where(m => m.UserId != actor.UserId && (m.Role == TenantRole.Owner || m.Role == TenantRole.Admin))
            .Select(m => m.UserId).ToListAsync(ct);
        notifier.Add(db, recipients, tenant.TenantId!.Value, "member.left", $"{who} left {tenant.TenantName}",
            $"{who} ({actor.Role}) left {tenant.TenantName}.", "/organization/members");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        notifier.AfterCommit(tenant.TenantId!.Value);
    }

    private static async Task<Membership> FindMemberAsync(Data.PortalDbContext db, Guid membershipId, CancellationToken ct) =>
        await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.Id == membershipId, ct)
        ?? throw TeamException.NotFound("There is no such member in this organisation.");

    /// <summary>Deletes the membership and, if this was the person's current organisation, forgets that choice.</summary>
    private static async Task DropMembershipAsync(Data.PortalDbContext db, Membership member, CancellationToken ct)
    {
        db.Memberships.Remove(member);
        await db.Users.Where(u => u.Id == member.UserId && u.CurrentTenantId == member.TenantId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.CurrentTenantId, (Guid?)null), ct);
    }

    private static TeamMember Info(Membership m) => new(m.Id, m.UserId, m.User?.Email, m.Role, m.CreatedAt);
}
