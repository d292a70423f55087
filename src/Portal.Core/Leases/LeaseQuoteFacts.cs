using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>
/// What a quote checks before the pool lock, read in one round trip: the organisation's state, the GPU type (its name
/// when not retired, price, best term discount for the hours, GPUs per node) and whether the region exists.
/// </summary>
internal sealed class LeaseQuoteFacts
{
    public TenantState State { get; init; }
    public string? SuspendedReason { get; init; }
    /// <summary>Null when there is no such GPU type or it is retired.</summary>
    public string? SkuName { get; init; }
    public long OnDemand { get; init; }
    public int? Discount { get; init; }
    public bool RegionOk { get; init; }
    public int PerNode { get; init; }

    /// <summary>The facts; null when the organisation is not found.</summary>
    public static Task<LeaseQuoteFacts?> ReadAsync(PortalDbContext db, Guid tenantId, LeaseRequest request, CancellationToken ct) =>
        Compiled(db, tenantId, request.SkuId, request.RegionId, request.Hours, ct);

    // Compiled: every quote runs it, and building the expression tree and finding it in EF's query cache cost more of the
    // portal's CPU than running it. (Scalar subqueries only: SQLite cannot run the APPLY that a multi-column subquery needs.)
    private static readonly Func<PortalDbContext, Guid, string, string, int, CancellationToken, Task<LeaseQuoteFacts?>> Compiled =
        EF.CompileAsyncQuery((PortalDbContext db, Guid tenantId, string skuId, string regionId, int hours, CancellationToken ct) =>
            db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => new LeaseQuoteFacts
            {
                State = t.State,
                SuspendedReason = t.SuspendedReason,
                SkuName = db.GpuSkus.Where(s => s.Id == skuId && s.RetiredAt == null).Select(s => s.Name).FirstOrDefault(),
                OnDemand = db.GpuSkus.Where(s => s.Id == skuId).Select(s => s.OnDemandMicrosPerGpuHour).FirstOrDefault(),
                Discount = db.Set<TermDiscount>().Where(d => d.SkuId == skuId && d.MinHours <= hours).Max(d => (int?)d.BasisPoints),
                RegionOk = db.Regions.Any(r => r.Id == regionId && r.RetiredAt == null),
                PerNode = db.GpuSkus.Where(s => s.Id == skuId).Select(s => s.GpusPerNode).FirstOrDefault(),
            }).FirstOrDefault());
}
