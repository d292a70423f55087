using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;

namespace Portal.Web.Notifications;

/// <summary>
/// The signed-in member's notifications in the current organisation (the tenant filter limits the tenant,
/// these queries the user): unread count, lists, marking read. One per request or circuit.
/// </summary>
public sealed class NotificationQueries(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, PortalChanges changes)
{
    public async Task<int> UnreadCountAsync(CancellationToken ct = default)
    {
        if (!Ready) return 0;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Mine(db).CountAsync(n => n.ReadAt == null, ct);
    }

    /// <summary>Newest first.</summary>
    public async Task<List<Notification>> ListAsync(int skip = 0, int take = 10, CancellationToken ct = default)
    {
        if (!Ready) return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Mine(db).OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip(skip).Take(Math.Clamp(take, 1, 100)).ToListAsync(ct);
    }

    public async Task<int> CountAsync(CancellationToken ct = default)
    {
        if (!Ready) return 0;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Mine(db).CountAsync(ct);
    }

    public async Task MarkReadAsync(long id, CancellationToken ct = default)
    {
        if (!Ready) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        if (await Mine(db).Where(n => n.Id == id && n.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct) > 0)
            Changed();
    }

    /// <returns>How many were marked.</returns>
    public async Task<int> MarkAllReadAsync(CancellationToken ct = default)
    {
        if (!Ready) return 0;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var marked = await Mine(db).Where(n => n.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
        if (marked > 0) Changed();
        return marked;
    }

    // The member's other tabs (bell, notifications page) follow.
    private void Changed() => changes.Publish(new PortalChange(tenant.TenantId!.Value, PortalChange.Notifications));

    private bool Ready => tenant.TenantId is not null && tenant.UserId is not null;

    private IQueryable<Notification> Mine(PortalDbContext db) => db.Notifications.Where(n => n.UserId == tenant.UserId);
}
