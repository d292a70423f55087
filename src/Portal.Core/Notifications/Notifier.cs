using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Notifications;

/// <summary>
/// Adds notifications for a tenant's Owners and Admins (and one more user, e.g. who quoted) to the
/// caller's context, so they commit with the change they report; <see cref="AfterCommit"/> then
/// wakes open pages and queues the e-mails.
/// </summary>
public sealed class Notifier(TimeProvider time, PortalChanges changes, IBackgroundJobClient jobs, DeliveryRunThrottle deliveryRuns)
{
    public async Task AddAsync(PortalDbContext db, Guid tenantId, string kind, string title, string body, string? link,
        string? alsoUserId = null, CancellationToken ct = default) =>
        Add(db, await RecipientsAsync(db, tenantId, alsoUserId, ct), tenantId, kind, title, body, link);

    /// <summary>Who hears about a tenant's changes: its Owners and Admins, and <paramref name="alsoUserId"/>.</summary>
    public static Task<List<string>> RecipientsAsync(PortalDbContext db, Guid tenantId, string? alsoUserId = null, CancellationToken ct = default) =>
        db.Memberships.IgnoreQueryFilters()
            .Where(m => m.TenantId == tenantId && (m.Role == TenantRole.Owner || m.Role == TenantRole.Admin || m.UserId == alsoUserId))
            .Select(m => m.UserId).Distinct().ToListAsync(ct);

    /// <summary>The same with recipients read earlier, e.g. before a lock, so the locked part makes one fewer round trip.</summary>
    public void Add(PortalDbContext db, IEnumerable<string> recipients, Guid tenantId, string kind, string title, string body, string? link)
    {
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var userId in recipients)
            db.Set<Notification>().Add(new Notification
            {
                TenantId = tenantId, UserId = userId, Kind = kind, Title = title, Body = body, Link = link, CreatedAt = now,
            });
    }

    /// <summary>Call after the transaction that added notifications or changed a lease has committed.</summary>
    public void AfterCommit(Guid tenantId, Guid? leaseId = null, bool notified = true)
    {
        if (leaseId is not null) changes.Publish(new PortalChange(tenantId, PortalChange.Lease, leaseId));
        if (!notified) return;
        changes.Publish(new PortalChange(tenantId, PortalChange.Notifications));
        // One delivery run sends everything pending, so a burst of changes needs one job, not one each;
        // anything a skipped enqueue leaves behind goes with the next run or the minutely one.
        if (deliveryRuns.TryTake())
            jobs.Enqueue<DeliverNotificationEmailsJob>(j => j.RunAsync(CancellationToken.None));
    }
}
