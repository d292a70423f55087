using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Billing;

/// <summary>
/// The signed-in member's invoices. Any member reads them, Viewers included. The tenant filter makes another
/// organisation's invoice as absent as one that never existed; drafts are not shown to tenants.
/// </summary>
public sealed class InvoiceService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant)
{
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
