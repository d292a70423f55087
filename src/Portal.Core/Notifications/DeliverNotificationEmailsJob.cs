using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Email;

namespace Portal.Core.Notifications;

/// <summary>
/// Sends the e-mail for every notification not yet e-mailed. Runs after each change and every minute;
/// marks each one sent as it goes, so a second run sends nothing again (a crash between sending and
/// marking may send one message twice: e-mail is at least once). Into the embedded outbox, the messages
/// and their marks are one transaction per run.
/// </summary>
public sealed class DeliverNotificationEmailsJob(IDbContextFactory<PortalDbContext> dbFactory, IEmailSender email, TimeProvider time)
{
    public const string RecurringId = "deliver-notification-emails";

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ActAsSupport(); // a system job across tenants; it reads nothing it shows to anyone
        var pending = await db.Set<Notification>().Where(n => n.EmailedAt == null).OrderBy(n => n.Id).Take(200).ToListAsync(ct);
        if (pending.Count == 0) return 0;
        var userIds = pending.Select(n => n.UserId).Distinct().ToList();
        var emails = await db.Users.Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, ct);
        // The outbox is a table of this database: its messages and the marks commit together, once for the whole run.
        var outbox = email as OutboxEmailSender;
        var sent = 0;
        foreach (var n in pending)
        {
            if (emails.GetValueOrDefault(n.UserId) is { Length: > 0 } to)
            {
                var link = n.Link is null ? "" : $"<p><a href=\"{System.Net.WebUtility.HtmlEncode(n.Link)}\">Open in the portal</a></p>";
                var html = $"<p>{System.Net.WebUtility.HtmlEncode(n.Body)}</p>{link}";
                if (outbox is not null) outbox.Add(db, to, n.Title, html);
                else await email.SendAsync(to, n.Title, html, ct);
                sent++;
            }
            n.EmailedAt = time.GetUtcNow().UtcDateTime;
            if (outbox is null) await db.SaveChangesAsync(ct); // sent elsewhere: marked as it goes
        }
        if (outbox is not null) await db.SaveChangesAsync(ct);
        return sent;
    }
}
