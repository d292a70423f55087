using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Email;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;

namespace Portal.Core.Billing;

/// <summary>What issuing did: the tenant's live invoice for the month (null: nothing to bill), and whether this call made it.</summary>
public sealed record IssueResult(Invoice? Invoice, bool Created);

/// <summary>
/// Builds, numbers and saves one tenant's invoice for a month with its "invoice issued" notice, in one transaction;
/// then e-mails the billing address. Used by the monthly job and by Support's re-issue.
/// </summary>
public sealed class InvoiceIssuer(IDbContextFactory<PortalDbContext> dbFactory, Notifier notifier, IEmailSender email, TimeProvider time,
    ILogger<InvoiceIssuer> logger)
{
    public const string IssuedNotification = "invoice.issued";

    /// <summary>
    /// Issues the month's invoice unless a live one exists. <paramref name="replaces"/>: the void invoice a re-issue replaces;
    /// <paramref name="extra"/> lets the caller add to the same transaction (Support's audit event).
    /// </summary>
    public async Task<IssueResult> IssueAsync(Guid tenantId, DateTime periodStart, Invoice? replaces, CancellationToken ct,
        Action<PortalDbContext, Invoice>? extra = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
            if (await LiveAsync(db, tenantId, periodStart, ct) is { } live) return new IssueResult(live, false);
            var now = time.GetUtcNow().UtcDateTime;
            if (await InvoiceBuilder.BuildAsync(db, tenantId, periodStart, now, ct) is not { } invoice) return new IssueResult(null, false);
            invoice.Number = await InvoiceBuilder.NextNumberAsync(db, periodStart, ct);
            invoice.ReplacesInvoiceId = replaces?.Id;
            db.Invoices.Add(invoice);
            var tenant = await db.Tenants.FirstAsync(t => t.Id == tenantId, ct);
            await NotifyAsync(db, tenant, invoice, replaces, ct);
            extra?.Invoke(db, invoice);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (attempt < 5)
            {
                // Another run issued it (the next attempt finds it), took the number, or spent a credit meanwhile: build again.
                logger.LogInformation("Issuing {Tenant} {Period:yyyy-MM} met a concurrent writer ({Error}); trying again.", tenantId, periodStart,
                    e.InnerException?.Message ?? e.Message);
                continue;
            }
            notifier.AfterCommit(tenantId);
            return new IssueResult(invoice, true);
        }
    }

    private static Task<Invoice?> LiveAsync(PortalDbContext db, Guid tenantId, DateTime periodStart, CancellationToken ct) =>
        db.Invoices.FirstOrDefaultAsync(i => i.TenantId == tenantId && i.PeriodStart == periodStart && i.State != InvoiceState.Void, ct);

    /// <summary>The bell for the Owners; the e-mail to the billing address when there is one (sent after commit), else to the Owners.</summary>
    private async Task NotifyAsync(PortalDbContext db, Tenant tenant, Invoice invoice, Invoice? replaces, CancellationToken ct)
    {
        var owners = await db.Memberships.Where(m => m.TenantId == tenant.Id && m.Role == TenantRole.Owner).Select(m => m.UserId).ToListAsync(ct);
        var (title, body) = Message(invoice, replaces);
        notifier.Add(db, owners, tenant.Id, IssuedNotification, title, body, InvoiceLinks.Invoice(invoice.Id));
        if (string.IsNullOrWhiteSpace(tenant.BillingEmail))
        {
            invoice.EmailedAt = invoice.CreatedAt; // the Owners' notifications carry the e-mail
            return;
        }
        foreach (var n in db.ChangeTracker.Entries<Notification>().Where(e => e.State == EntityState.Added && e.Entity.Kind == IssuedNotification))
            n.Entity.EmailedAt = invoice.CreatedAt; // bell only: the billing address gets the e-mail
    }

    private static (string Title, string Body) Message(Invoice invoice, Invoice? replaces) => (
        $"Invoice {invoice.Number} issued: {Money.Format(invoice.TotalMicros)}",
        $"Your invoice {invoice.Number} for {invoice.PeriodStart:MMMM yyyy} is ready: {Money.Format(invoice.TotalMicros)}" +
        (invoice.CreditsMicros > 0 ? $" after {Money.Format(invoice.CreditsMicros)} of credits" : "") +
        (invoice.State == InvoiceState.Paid ? " (nothing to pay)." : ".") +
        (replaces is null ? "" : $" It replaces the void invoice {replaces.Number}."));

    /// <summary>E-mails issued invoices whose billing address has not had them yet; marks each one as it goes (at least once).</summary>
    public async Task<int> SendPendingEmailsAsync(CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var pending = await db.Invoices.Where(i => i.EmailedAt == null && i.State != InvoiceState.Void && i.State != InvoiceState.Draft)
            .Join(db.Tenants, i => i.TenantId, t => t.Id, (i, t) => new { Invoice = i, t.BillingEmail, t.Name }).Take(200).ToListAsync(ct);
        foreach (var p in pending)
        {
            if (p.BillingEmail is { Length: > 0 } to)
            {
                var (title, body) = Message(p.Invoice, null);
                await email.SendAsync(to, title, $"<p>{System.Net.WebUtility.HtmlEncode(body)}</p><p>Organisation: " +
                    $"{System.Net.WebUtility.HtmlEncode(p.Name)}. Open it in the portal at {InvoiceLinks.Invoice(p.Invoice.Id)}.</p>", ct);
            }
            p.Invoice.EmailedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }
        return pending.Count;
    }
}

public static class InvoiceLinks
{
    public static string Invoice(Guid id) => $"/billing/invoices/{id}";
    public static string Pdf(Invoice i) => $"/billing/invoices/{i.Id}/{i.Number}.pdf";
    public static string Csv(Invoice i) => $"/billing/invoices/{i.Id}/{i.Number}.csv";
}
