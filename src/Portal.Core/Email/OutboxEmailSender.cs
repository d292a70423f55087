using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Email;

/// <summary>The embedded default: keeps every message in the database, readable at /dev/outbox.</summary>
public sealed class OutboxEmailSender(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time) : IEmailSender
{
    public async Task SendAsync(string to, string subject, string htmlBody, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        Add(db, to, subject, htmlBody);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The message added to the caller's context, so that it commits with the caller's own writes (the notification
    /// delivery marks what it sent in the same transaction: the outbox gets each message exactly once).
    /// </summary>
    public void Add(PortalDbContext db, string to, string subject, string htmlBody) =>
        db.OutboxEmails.Add(new OutboxEmail { CreatedAt = time.GetUtcNow().UtcDateTime, To = to, Subject = subject, HtmlBody = htmlBody });
}
