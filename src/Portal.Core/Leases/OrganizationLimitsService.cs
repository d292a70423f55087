using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Spend;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>
/// The limits an organisation leases under, as its members see them (New lease page, organisation settings): whether
/// Support verified it, its GPU quota, its quotes on hold, the quote rate, its spend ceiling and monthly limit.
/// </summary>
public sealed record OrganizationLimits(bool Verified, int DefaultGpuQuota, IReadOnlyDictionary<string, int> SkuQuotas,
    int OpenHolds, int MaxOpenHolds, int HoldMinutes, int QuotesPerMinute, long CeilingMicros, bool CeilingSetBySupport, long MonthlyLimitMicros)
{
    /// <summary>GPUs of <paramref name="skuId"/> the organisation may have at once.</summary>
    public int QuotaFor(string? skuId) => skuId is not null && SkuQuotas.TryGetValue(skuId, out var q) ? q : DefaultGpuQuota;
}

/// <summary>Reads <see cref="OrganizationLimits"/> for the current organisation; the checks themselves are in <see cref="LeaseLimits"/>.</summary>
public sealed class OrganizationLimitsService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, TimeProvider time,
    IOptions<LeaseOptions> leaseOptions, IOptions<SpendOptions> spendOptions)
{
    public async Task<OrganizationLimits?> GetAsync(CancellationToken ct = default)
    {
        if (tenant.TenantId is not { } tenantId) return null;
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var t = await db.Tenants.AsNoTracking().Where(x => x.Id == tenantId)
            .Select(x => new
            {
                x.Verified, x.SpendCeilingMicros, x.SpendLimitMicros,
                Holds = db.Leases.Count(l => l.TenantId == tenantId && l.State == LeaseState.Held && l.HoldExpiresAt > now)
                        + db.Set<LeaseAmendment>().Count(a => a.TenantId == tenantId && a.State == AmendmentState.Held && a.HoldExpiresAt > now),
            }).FirstOrDefaultAsync(ct);
        if (t is null) return null;
        var quotas = await db.Set<GpuQuota>().AsNoTracking().Where(q => q.TenantId == tenantId).ToDictionaryAsync(q => q.SkuId, q => q.MaxGpus, ct);
        var lease = leaseOptions.Value;
        var (limit, ceiling) = SpendMonth.Limits(t.SpendLimitMicros, t.SpendCeilingMicros, t.Verified, spendOptions.Value);
        return new OrganizationLimits(t.Verified, lease.QuotaFor(null, t.Verified), quotas, t.Holds, lease.MaxOpenHolds, lease.HoldMinutes,
            Math.Max(1, lease.QuotesPerMinute), ceiling, t.SpendCeilingMicros is not null, limit);
    }
}
