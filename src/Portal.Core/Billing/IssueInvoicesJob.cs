using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>
/// On the 1st of each month (UTC): meters every hour that has ended, then issues each tenant's invoice for the
/// month before. Run twice or by two workers at once, it issues once: a tenant that already has a live invoice for
/// the month is skipped, and the database refuses a second one (the loser of a race finds the winner's and stops).
/// A tenant with nothing to bill that month gets no invoice (its unused credits wait for the next one).
/// </summary>
public sealed class IssueInvoicesJob(IDbContextFactory<PortalDbContext> dbFactory, MeterUsageJob meter, InvoiceIssuer issuer, TimeProvider time,
    ILogger<IssueInvoicesJob> logger)
{
    public const string RecurringId = "issue-invoices";

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var thisMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return await RunForMonthAsync(thisMonth.AddMonths(-1), ct);
    }

    /// <summary>Issues the invoices of one month that has ended; returns how many this run issued.</summary>
    public async Task<int> RunForMonthAsync(DateTime periodStart, CancellationToken ct = default)
    {
        var periodEnd = periodStart.AddMonths(1);
        if (periodEnd > time.GetUtcNow().UtcDateTime) throw new InvalidOperationException($"{periodStart:yyyy-MM} has not ended yet.");
        await meter.RunAsync(ct); // the month's last hours must be metered before it is billed
        var issued = 0;
        foreach (var tenantId in await TenantsToBillAsync(periodStart, periodEnd, ct))
            if (await issuer.IssueAsync(tenantId, periodStart, replaces: null, ct) is { Created: true }) issued++;
        await issuer.SendPendingEmailsAsync(ct);
        logger.LogInformation("Invoices for {Period:yyyy-MM}: {Issued} issued.", periodStart, issued);
        return issued;
    }

    /// <summary>Tenants with usage, fees or lost hours in the month and no invoice for it yet (a void one counts: re-issuing is Support's call).</summary>
    private async Task<List<Guid>> TenantsToBillAsync(DateTime from, DateTime to, CancellationToken ct)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var used = await db.UsageRecords.Where(r => r.PeriodStart >= from && r.PeriodStart < to).Select(r => r.TenantId).Distinct().ToListAsync(ct);
        var fees = await db.Leases.Where(l => (l.CancellationFeeMicros > 0
                    && ((l.CancelledAt >= from && l.CancelledAt < to) || (l.ReleasedAt >= from && l.ReleasedAt < to)))
                || (l.LostGpuHours > 0 && l.ActivatedAt != null && (l.ReleasedAt ?? l.End) > from && (l.ReleasedAt ?? l.End) <= to))
            .Select(l => l.TenantId).Distinct().ToListAsync(ct);
        var invoiced = await db.Invoices.Where(i => i.PeriodStart == from).Select(i => i.TenantId).Distinct().ToListAsync(ct);
        return [.. used.Union(fees).Except(invoiced).Order()];
    }
}
