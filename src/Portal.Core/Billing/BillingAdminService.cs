using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;

namespace Portal.Core.Billing;

public sealed record InvoiceQuery(string? Tenant = null, InvoiceState? State = null, DateTime? Period = null, int Page = 1, int PageSize = 25);

public static class BillingAdminActions
{
    public const string InvoiceViewed = "invoice.viewed";
    public const string InvoiceVoided = "invoice.voided";
    public const string InvoiceReissued = "invoice.reissued";
    public const string InvoicePaid = "invoice.paid";
    public const string CreditAdded = "credit.added";
    public const string InvoiceTarget = "Invoice";
    public const string CreditTarget = "Credit";
    /// <summary>The largest credit Support may add at once: $1,000,000 (a typo guard, not a policy).</summary>
    public const long MaxCreditMicros = 1_000_000 * Money.MicrosPerDollar;
}

/// <summary>
/// Support's billing reads across tenants: search invoices, read one (audited, as Support reads a tenant's data), a
/// tenant's credits, tenants to pick. The actions (credit, void, re-issue, mark paid) are <see cref="BillingAdminActionService"/>'s.
/// </summary>
public sealed class BillingAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit)
{
    private async Task<PortalDbContext> SupportDbAsync(CancellationToken ct) => (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();

    public async Task<PagedResult<InvoiceRow>> SearchAsync(InvoiceQuery query, CancellationToken ct = default)
    {
        var (page, size) = (Math.Max(1, query.Page), Math.Clamp(query.PageSize, 1, 100));
        await using var db = await SupportDbAsync(ct);
        var q = db.Invoices.AsNoTracking().Join(db.Tenants, i => i.TenantId, t => t.Id, (i, t) => new { Invoice = i, Tenant = t });
        if (query.State is { } state) q = q.Where(x => x.Invoice.State == state);
        if (query.Period is { } period) q = q.Where(x => x.Invoice.PeriodStart == period);
        if (query.Tenant?.Trim() is { Length: > 0 } text)
        {
            var like = LikePattern.Containing(text.ToLowerInvariant());
            q = q.Where(x => EF.Functions.Like(x.Tenant.Name.ToLower(), like, LikePattern.Escape) || EF.Functions.Like(x.Tenant.Slug, like, LikePattern.Escape)
                || EF.Functions.Like(x.Invoice.Number.ToLower(), like, LikePattern.Escape));
        }
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(x => x.Invoice.PeriodStart).ThenByDescending(x => x.Invoice.CreatedAt)
            .Skip((page - 1) * size).Take(size)
            .Select(x => new InvoiceRow(x.Invoice.Id, x.Invoice.Number, x.Tenant.Id, x.Tenant.Name, x.Invoice.PeriodStart, x.Invoice.State,
                x.Invoice.TotalMicros, x.Invoice.IssuedAt))
            .ToListAsync(ct);
        return new PagedResult<InvoiceRow>(rows, total, page, size);
    }

    /// <summary>One invoice for Support's page; the look is audited, as Support reads a tenant's data.</summary>
    public async Task<InvoiceDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await SupportDbAsync(ct);
        var detail = await InvoiceDetail.LoadAsync(db, id, includeDrafts: true, ct);
        if (detail is null) return null;
        audit.Add(db, BillingAdminActions.InvoiceViewed, BillingAdminActions.InvoiceTarget, id.ToString(), detail.Invoice.Number, detail.Invoice.TenantId);
        await db.SaveChangesAsync(ct);
        return detail;
    }

    /// <summary>A tenant's credits, newest first, with what is left of each.</summary>
    public async Task<List<CreditRow>> CreditsAsync(Guid tenantId, CancellationToken ct = default)
    {
        await using var db = await SupportDbAsync(ct);
        var credits = await db.Credits.AsNoTracking().Where(c => c.TenantId == tenantId).OrderByDescending(c => c.CreatedAt).ToListAsync(ct);
        var ids = credits.Select(c => c.Id).ToList();
        var uses = await db.CreditApplications.Where(a => ids.Contains(a.CreditId))
            .Join(db.Invoices, a => a.InvoiceId, i => i.Id, (a, i) => new { a.CreditId, a.AmountMicros, i.Number, i.State }).ToListAsync(ct);
        return [.. credits.Select(c =>
        {
            var live = uses.Where(u => u.CreditId == c.Id && u.State != InvoiceState.Void).ToList();
            return new CreditRow(c, c.AmountMicros - live.Sum(u => u.AmountMicros), [.. live.Select(u => u.Number)]);
        })];
    }

    /// <summary>A tenant's name and whether it exists, for the credit form.</summary>
    public async Task<string?> TenantNameAsync(Guid tenantId, CancellationToken ct = default)
    {
        await using var db = await SupportDbAsync(ct);
        return await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Name).FirstOrDefaultAsync(ct);
    }

    /// <summary>Tenants by name, for picking one in the credit form.</summary>
    public async Task<List<(Guid Id, string Name)>> FindTenantsAsync(string? text, CancellationToken ct = default)
    {
        await using var db = await SupportDbAsync(ct);
        var q = db.Tenants.AsNoTracking();
        if (text?.Trim() is { Length: > 0 } t)
        {
            var like = LikePattern.Containing(t.ToLowerInvariant());
            q = q.Where(x => EF.Functions.Like(x.Name.ToLower(), like, LikePattern.Escape) || EF.Functions.Like(x.Slug, like, LikePattern.Escape));
        }
        return [.. (await q.OrderBy(x => x.Name).Take(20).Select(x => new { x.Id, x.Name }).ToListAsync(ct)).Select(x => (x.Id, x.Name))];
    }
}
