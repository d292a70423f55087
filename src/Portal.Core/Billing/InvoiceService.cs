using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Billing;

/// <summary>
/// The signed-in member's invoices. Any member reads them, Viewers included. The tenant filter makes another
/// organisation's invoice as absent as one that never existed. The month in progress is a draft, built when asked.
/// </summary>
public sealed class InvoiceService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, TimeProvider time)
{
    /// <summary>
    /// This month's invoice so far (state Draft): the usage so far (metered, and live up to now), this month's fees, and the
    /// credits it would take, built exactly as the 1st will build it but never saved. So a draft cannot go stale, hold a
    /// credit, or stand in the way of the real invoice. Null when there is nothing to bill yet.
    /// </summary>
    public async Task<InvoiceDetail?> DraftAsync(CancellationToken ct = default)
    {
        if (tenant.TenantId is not { } tenantId) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        // The hours the meter has not written yet count too, computed by the meter's own code up to now: the draft shows
        // the month so far, the same figure as the dashboard, the usage page and the lease pages.
        var live = await MonthToDate.LiveRecordsAsync(db, tenantId, month, now, ct);
        if (await InvoiceBuilder.BuildAsync(db, tenantId, month, now, ct, live) is not { } draft) return null;
        (draft.State, draft.Number, draft.IssuedAt, draft.PaidAt) = (InvoiceState.Draft, $"Draft {month:yyyy-MM}", null, null);
        // The credits it would take are only in this context's change tracker: read them from there, then drop the context unsaved.
        var taken = db.ChangeTracker.Entries<CreditApplication>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        var credits = taken.Select(a => new AppliedCredit(db.Credits.Local.First(c => c.Id == a.CreditId), a.AmountMicros))
            .OrderBy(c => c.Credit.CreatedAt).ToList();
        var name = await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Name).FirstAsync(ct);
        return new InvoiceDetail(draft, name, draft.Lines, credits, null, null);
    }

    public async Task<List<InvoiceRow>> ListAsync(CancellationToken ct = default)
    {
        if (tenant.TenantId is null) return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Invoices.AsNoTracking().Where(i => i.State != InvoiceState.Draft)
            .OrderByDescending(i => i.PeriodStart).ThenByDescending(i => i.CreatedAt)
            .Select(i => new InvoiceRow(i.Id, i.Number, i.TenantId, "", i.PeriodStart, i.State, i.TotalMicros, i.IssuedAt))
            .ToListAsync(ct);
    }

    public async Task<InvoiceDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        if (tenant.TenantId is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await InvoiceDetail.LoadAsync(db, id, includeDrafts: false, ct);
    }
}
