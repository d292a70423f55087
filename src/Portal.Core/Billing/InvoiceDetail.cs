using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Billing;

/// <summary>A credit as one invoice used it: the credit, and how much of it this invoice took.</summary>
public sealed record AppliedCredit(Credit Credit, long AppliedMicros);

/// <summary>An invoice with everything its page, PDF and CSV show.</summary>
public sealed record InvoiceDetail(Invoice Invoice, string TenantName, IReadOnlyList<InvoiceLine> Lines, IReadOnlyList<AppliedCredit> Credits,
    string? ReplacesNumber, Invoice? ReplacedBy)
{
    /// <summary>Reads one invoice through <paramref name="db"/>'s tenant filter (a tenant's context sees only its own: null for any other).</summary>
    public static async Task<InvoiceDetail?> LoadAsync(PortalDbContext db, Guid id, bool includeDrafts, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null || (invoice.State == InvoiceState.Draft && !includeDrafts)) return null;
        var lines = await db.InvoiceLines.AsNoTracking().Where(l => l.InvoiceId == id).OrderBy(l => l.Position).ToListAsync(ct);
        var credits = await db.CreditApplications.AsNoTracking().Where(a => a.InvoiceId == id)
            .Join(db.Credits, a => a.CreditId, c => c.Id, (a, c) => new { Credit = c, a.AmountMicros }).ToListAsync(ct);
        var tenantName = await db.Tenants.Where(t => t.Id == invoice.TenantId).Select(t => t.Name).FirstAsync(ct);
        var replaces = invoice.ReplacesInvoiceId is { } r ? await db.Invoices.Where(i => i.Id == r).Select(i => i.Number).FirstOrDefaultAsync(ct) : null;
        var replacedBy = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.ReplacesInvoiceId == id, ct);
        return new InvoiceDetail(invoice, tenantName, lines,
            [.. credits.OrderBy(c => c.Credit.CreatedAt).Select(c => new AppliedCredit(c.Credit, c.AmountMicros))], replaces, replacedBy);
    }
}

/// <summary>A row of an invoice list.</summary>
public sealed record InvoiceRow(Guid Id, string Number, Guid TenantId, string TenantName, DateTime PeriodStart, InvoiceState State,
    long TotalMicros, DateTime? IssuedAt);

/// <summary>A credit and what is left of it (applications to void invoices do not count).</summary>
public sealed record CreditRow(Credit Credit, long RemainingMicros, IReadOnlyList<string> InvoiceNumbers);

public static class InvoiceFormat
{
    public static string Period(DateTime periodStart) => periodStart.ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
    public static string GpuHours(long gpuSeconds) =>
        (gpuSeconds / 3600m).ToString(gpuSeconds % 3600 == 0 ? "#,0" : "#,0.00##", System.Globalization.CultureInfo.InvariantCulture);
    public static string Tokens(long n) => n.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);
    public static string Kind(CreditKind k) => k switch
    {
        CreditKind.SlaCredit => "SLA credit", CreditKind.CancellationRefund => "Cancellation refund", _ => "Goodwill",
    };
}
