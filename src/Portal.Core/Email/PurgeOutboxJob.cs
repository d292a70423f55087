using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Email;

/// <summary>Hourly: deletes outbox messages past their retention. Running it twice deletes nothing more.</summary>
public sealed class PurgeOutboxJob(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time,
    IOptions<EmailOptions> options, ILogger<PurgeOutboxJob> logger)
{
    public const string RecurringId = "purge-outbox";

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-options.Value.OutboxRetentionDays);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var deleted = await db.OutboxEmails.Where(e => e.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        if (deleted > 0) logger.LogInformation("Purged {Count} outbox messages older than {Cutoff:u}", deleted, cutoff);
        return deleted;
    }
}
