using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Catalog;
using Portal.Core.Data;

namespace Portal.Core.Leases;

public sealed partial class LeaseAdminService
{
    /// <summary>The largest spend limit Support may set: $1 billion.</summary>
    public const long MaxSpendLimitMicros = 1_000_000_000 * Money.MicrosPerDollar;
    public const int MaxGpuQuota = 100_000;

    /// <summary>A tenant's spend limit, what it has committed, and its quota for every SKU on sale; null for no such tenant.</summary>
    public async Task<TenantLimits?> LimitsAsync(Guid tenantId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => new { t.SpendLimitMicros }).FirstOrDefaultAsync(ct);
        if (tenant is null) return null;
        var quotas = await db.Set<GpuQuota>().AsNoTracking().Where(q => q.TenantId == tenantId).ToDictionaryAsync(q => q.SkuId, q => q.MaxGpus, ct);
        var withQuota = quotas.Keys.ToList();
        var skus = await db.GpuSkus.AsNoTracking().Where(s => s.RetiredAt == null || withQuota.Contains(s.Id))
            .OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        var rows = skus.Select(s => new SkuQuotaRow(s.Id, s.Name, quotas.TryGetValue(s.Id, out var max) ? max : null, Options.DefaultGpuQuota)).ToList();
        return new TenantLimits(tenantId, tenant.SpendLimitMicros, Options.DefaultSpendLimitMicros,
            await LeaseService.CommittedMicrosAsync(db, tenantId, Now, ct), Options.DefaultGpuQuota, rows);
    }

    /// <summary>Sets the tenant's spend limit on open commitments; null returns it to the default. Leases already signed stay.</summary>
    public async Task<AdminActionResult> SetSpendLimitAsync(Guid tenantId, long? micros, CancellationToken ct = default)
    {
        if (micros is < 0 or > MaxSpendLimitMicros)
            return AdminActionResult.Refused($"A spend limit is between $0 and {Money.Format(MaxSpendLimitMicros)}. Nothing was changed.");
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == tenantId, ct);
        if (tenant is null) return AdminActionResult.Refused("There is no such tenant.");
        if (tenant.SpendLimitMicros == micros) return AdminActionResult.Ok($"The spend limit of {tenant.Name} is already {SpendLimit(micros)}.");

        var change = $"Spend limit {SpendLimit(tenant.SpendLimitMicros)} → {SpendLimit(micros)}";
        tenant.SpendLimitMicros = micros;
        audit.Add(db, LeaseAdminActions.SpendLimitSet, LeaseAdminActions.TenantTarget, tenantId.ToString(), tenant.Name, tenantId, change);
        await db.SaveChangesAsync(ct);
        return AdminActionResult.Ok($"{tenant.Name}: {change}. Leases already signed are not affected.");
    }

    /// <summary>Sets the most GPUs of a SKU the tenant may hold at once; null removes the quota so the default applies.</summary>
    public async Task<AdminActionResult> SetGpuQuotaAsync(Guid tenantId, string skuId, int? maxGpus, CancellationToken ct = default)
    {
        if (maxGpus is < 0 or > MaxGpuQuota)
            return AdminActionResult.Refused($"A GPU quota is between 0 and {MaxGpuQuota:N0}. Nothing was changed.");
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenantName = await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Name).FirstOrDefaultAsync(ct);
        if (tenantName is null) return AdminActionResult.Refused("There is no such tenant.");
        if (!await db.GpuSkus.AnyAsync(s => s.Id == skuId, ct)) return AdminActionResult.Refused($"There is no GPU SKU '{skuId}'.");

        var row = await db.Set<GpuQuota>().FirstOrDefaultAsync(q => q.TenantId == tenantId && q.SkuId == skuId, ct);
        if (row?.MaxGpus == maxGpus) return AdminActionResult.Ok($"The {skuId} quota of {tenantName} is already {Quota(maxGpus)}.");
        var change = $"{skuId} quota {Quota(row?.MaxGpus)} → {Quota(maxGpus)}";
        if (maxGpus is null) db.Remove(row!);
        else if (row is null) db.Add(new GpuQuota { TenantId = tenantId, SkuId = skuId, MaxGpus = maxGpus.Value });
        else row.MaxGpus = maxGpus.Value;
        audit.Add(db, LeaseAdminActions.GpuQuotaSet, LeaseAdminActions.TenantTarget, tenantId.ToString(), tenantName, tenantId, change);
        await db.SaveChangesAsync(ct);
        return AdminActionResult.Ok($"{tenantName}: {change}. Leases already signed are not affected.");
    }

    private string SpendLimit(long? micros) => micros is { } m ? Money.Format(m) : $"default ({Money.Format(Options.DefaultSpendLimitMicros)})";

    private string Quota(int? gpus) => gpus is { } g ? $"{g} GPUs" : $"default ({Options.DefaultGpuQuota} GPUs)";

    /// <summary>
    /// What the tenant has committed: the same sum <see cref="LeaseService"/> checks the spend limit against
    /// (open leases and live holds, plus held or signed extensions of open leases).
}
