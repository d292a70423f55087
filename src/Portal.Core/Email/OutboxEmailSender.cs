using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Email;

/// <summary>The embedded default: keeps every message in the database, readable at /dev/outbox.</summary>
public sealed class OutboxEmailSender(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time) : IEmailSender
{
    public async Task SendAsync(string to, string subject, string htmlBody, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.OutboxEmails.Add(new OutboxEmail { CreatedAt = time.GetUtcNow().UtcDateTime, To = to, Subject = subject, HtmlBody = htmlBody });
        await db.SaveChangesAsync(ct);
    }
}
