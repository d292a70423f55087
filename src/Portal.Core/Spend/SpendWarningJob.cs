using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Email;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;

namespace Portal.Core.Spend;

/// <summary>
/// Hourly, after metering: warns each tenant whose spend this month reached 50 %, 80 % or 100 % of its monthly limit,
/// once per threshold and month, under the bell and by e-mail to its Owners, and to its billing address if set. The
/// warning row (unique per tenant, month and percent) commits with the notifications, so a second run, or two at once,
/// warns once; the billing e-mail is sent after and marked, so a crash between may send it twice, never not at all.
/// </summary>
public sealed class SpendWarningJob(IDbContextFactory<PortalDbContext> dbFactory, Notifier notifier, IEmailSender email,
    TimeProvider time, IOptions<SpendOptions> options)
{
    public const string RecurringId = "spend-warnings";
    public const string NotificationKind = "spend.warning";

    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        List<Guid> tenantIds;
        await using (var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport())
            tenantIds = await db.Tenants.Select(t => t.Id).OrderBy(id => id).ToListAsync(ct);
        var warned = 0;
        foreach (var tenantId in tenantIds)
            if (await WarnAsync(tenantId, ct)) warned++;
        await SendBillingEmailsAsync(ct);
        return warned;
    }

    /// <summary>Records every threshold newly reached; notifies once, for the highest.</summary>
    public async Task<bool> WarnAsync(Guid tenantId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ForTenant(tenantId);
        var now = time.GetUtcNow().UtcDateTime;
        var month = await MonthSpendReader.ReadAsync(db, tenantId, now, options.Value, ct);
        var reached = SpendOptions.WarningPercents.Where(p => month.SoFarMicros * 100 >= (long)p * month.LimitMicros).ToList();
        if (reached.Count == 0) return false;
        var done = await db.Set<SpendWarning>().Where(w => w.MonthStart == month.MonthStart).Select(w => w.Percent).ToListAsync(ct);
        var fresh = reached.Except(done).ToList();
        if (fresh.Count == 0) return false;

        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => new { t.Name, t.BillingEmail }).FirstAsync(ct);
        var owners = await db.Memberships.Where(m => m.TenantId == tenantId && m.Role == TenantRole.Owner)
            .Select(m => new { m.UserId, m.User!.Email }).ToListAsync(ct);
        // The billing address hears too, unless it is an Owner's own (who hears through the notification already).
        var billingEmail = owners.Any(o => string.Equals(o.Email, tenant.BillingEmail, StringComparison.OrdinalIgnoreCase)) ? null : tenant.BillingEmail;
        foreach (var p in fresh)
            db.Add(new SpendWarning
            {
                TenantId = tenantId, MonthStart = month.MonthStart, Percent = p, SpentMicros = month.SoFarMicros, LimitMicros = month.LimitMicros,
                ForecastMicros = month.ForecastMicros, CreatedAt = now, BillingEmail = p == fresh.Max() ? billingEmail : null,
            });
        var (title, body) = Message(tenant.Name, fresh.Max(), month);
        notifier.Add(db, owners.Select(o => o.UserId), tenantId, NotificationKind, title, body, "/usage");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return false; // another run recorded it first: that one warned
        }
        notifier.AfterCommit(tenantId);
        return true;
    }

    public static (string Title, string Body) Message(string tenantName, int percent, MonthSpend month)
    {
        var title = percent >= 100
            ? $"{tenantName} reached its monthly spend limit"
            : $"{tenantName} has used {percent}% of its monthly spend limit";
        var body = $"Spend in {month.MonthStart:MMMM yyyy} is {Money.Format(month.SoFarMicros)} of the {Money.Format(month.LimitMicros)} monthly limit " +
                   $"(forecast to the month's end: {Money.Format(month.ForecastMicros)}). " +
                   (percent >= 100 ? "New leases and batches are refused until the limit is raised or the month ends. " : "") +
                   "Owners can change the limit in the organisation's settings.";
        return (title, body);
    }

    private async Task SendBillingEmailsAsync(CancellationToken ct)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var pending = await db.Set<SpendWarning>().Where(w => w.BillingEmail != null && w.BillingEmailSentAt == null)
            .OrderBy(w => w.Id).Take(200).ToListAsync(ct);
        foreach (var w in pending)
        {
            var name = await db.Tenants.Where(t => t.Id == w.TenantId).Select(t => t.Name).FirstAsync(ct);
            var (title, body) = Message(name, w.Percent, new MonthSpend(w.MonthStart, w.SpentMicros, w.ForecastMicros, w.LimitMicros, null, 0, 0));
            await email.SendAsync(w.BillingEmail!, title, $"<p>{WebUtility.HtmlEncode(body)}</p>", ct);
            w.BillingEmailSentAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }
    }
}
