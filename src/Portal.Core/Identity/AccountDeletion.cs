using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Identity;

/// <summary>
/// A user closes their own account, unless they are the last Owner of an organisation: like leaving it, that would
/// leave the organisation (and its leases) with no Owner. The check and the deletion run in the organisations'
/// turns (<see cref="PortalLocks.BeginTeamAsync"/>, as a <see cref="TeamTransaction"/>), so an Owner leaving at the same moment cannot slip between them.
/// </summary>
public sealed class AccountDeletion(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>Deletes the account and returns null, or returns why not (and changes nothing).</summary>
    public async Task<string?> DeleteAsync(string userId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var owned = await OwnedTenantIdsAsync(db, userId, ct);
        await using var tx = owned.Count == 0
            ? await db.Database.BeginTransactionAsync(ct)
            : await db.Locks.BeginTeamAsync(db, owned[0], ct);
        // The first organisation's turn is taken; the others' too, in id order like any other locker.
        if (owned.Count > 1) await db.Locks.LockTenantsAsync(db, owned, ct);

        // Re-read under the locks: the last-Owner rule counts the Owners as they are now.
        var stranded = await db.Memberships
            .Where(m => m.UserId == userId && m.Role == TenantRole.Owner)
            .Where(m => !db.Memberships.Any(o => o.TenantId == m.TenantId && o.Role == TenantRole.Owner && o.UserId != userId))
            .OrderBy(m => m.Tenant!.Name)
            .Select(m => m.Tenant!.Name)
            .ToListAsync(ct);
        if (stranded.Count > 0)
            return $"You are the last Owner of {Names(stranded)}, so you cannot delete your account: make another member Owner first.";

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null) return "Your account no longer exists.";
        db.Users.Remove(user); // memberships and Identity's own rows go with it (cascading foreign keys)
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return null;
    }

    private static async Task<List<Guid>> OwnedTenantIdsAsync(PortalDbContext db, string userId, CancellationToken ct) =>
        (await db.Memberships.Where(m => m.UserId == userId && m.Role == TenantRole.Owner).Select(m => m.TenantId).ToListAsync(ct))
            .Order().ToList();

    private static string Names(List<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " and " + names[^1];
}
