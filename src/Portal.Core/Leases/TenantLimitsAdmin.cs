using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Refusals;
using Portal.Core.Spend;

namespace Portal.Core.Leases;

/// <summary>
/// Support's settings of what a tenant may lease: whether it is verified (which defaults apply), its spend ceiling and
/// its GPU quota per SKU, each change audited. Leases already signed stay as they are. Each setter returns what it did,
/// in words for Support, or throws the refusal (<see cref="ActionRefusedException"/>), changing nothing.
/// </summary>
public sealed class TenantLimitsAdmin(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time, IOptions<LeaseOptions> options, IOptions<SpendOptions> spendOptions)
{
    public const int MaxGpuQuota = 100_000;

    private LeaseOptions Options => options.Value;

    /// <summary>A tenant's spend ceiling, its month's spend and forecast, and its quota for every SKU on sale; null for no such tenant.</summary>
    public async Task<TenantLimits?> LimitsAsync(Guid tenantId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new { t.SpendCeilingMicros, t.Verified }).FirstOrDefaultAsync(ct);
        if (tenant is null) return null;
        var quotas = await db.Set<GpuQuota>().AsNoTracking().Where(q => q.TenantId == tenantId).ToDictionaryAsync(q => q.SkuId, q => q.MaxGpus, ct);
        var withQuota = quotas.Keys.ToList();
        var skus = await db.GpuSkus.AsNoTracking().Where(s => s.RetiredAt == null || withQuota.Contains(s.Id))
            .OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        var defaultQuota = Options.QuotaFor(null, tenant.Verified);
        var rows = skus.Select(s => new SkuQuotaRow(s.Id, s.Name, quotas.TryGetValue(s.Id, out var max) ? max : null, defaultQuota)).ToList();
        var month = await MonthSpendReader.ReadAsync(db, tenantId, time.GetUtcNow().UtcDateTime, spendOptions.Value, ct);
        return new TenantLimits(tenantId, tenant.Verified, tenant.SpendCeilingMicros, spendOptions.Value.CeilingFor(null, tenant.Verified), month,
            defaultQuota, rows);
    }

    /// <summary>
    /// Sets the tenant's spend ceiling: the highest monthly spend limit its Owners may set (their limit, when higher, is
    /// capped at it); null returns it to the default. Leases already signed stay.
    /// </summary>
    public async Task<string> SetSpendCeilingAsync(Guid tenantId, long? micros, CancellationToken ct = default)
    {
        if (micros is < 0 or > SpendOptions.MaxCeilingMicros)
            throw ActionRefusedException.Invalid($"A spend ceiling is between $0 and {Money.Format(SpendOptions.MaxCeilingMicros)}. Nothing was changed.");
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == tenantId, ct);
        if (tenant is null) throw ActionRefusedException.NotFound("There is no such tenant.");
        if (tenant.SpendCeilingMicros == micros)
            return $"The spend ceiling of {tenant.Name} is already {Ceiling(micros, tenant.Verified)}.";

        var change = $"Spend ceiling {Ceiling(tenant.SpendCeilingMicros, tenant.Verified)} → {Ceiling(micros, tenant.Verified)}";
        tenant.SpendCeilingMicros = micros;
        audit.Add(db, LeaseAdminActions.SpendCeilingSet, LeaseAdminActions.TenantTarget, tenantId.ToString(), tenant.Name, tenantId, change);
        await db.SaveChangesAsync(ct);
        var capped = tenant.SpendLimitMicros > spendOptions.Value.CeilingFor(micros, tenant.Verified)
            ? $" The Owners' monthly limit of {Money.Format(tenant.SpendLimitMicros.Value)} is capped at it." : "";
        return $"{tenant.Name}: {change}.{capped} Leases already signed are not affected.";
    }

    /// <summary>Sets the most GPUs of a SKU the tenant may hold at once; null removes the quota so the default applies.</summary>
    public async Task<string> SetGpuQuotaAsync(Guid tenantId, string skuId, int? maxGpus, CancellationToken ct = default)
    {
        if (maxGpus is < 0 or > MaxGpuQuota)
            throw ActionRefusedException.Invalid($"A GPU quota is between 0 and {MaxGpuQuota:N0}. Nothing was changed.");
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var found = await db.Tenants.Where(t => t.Id == tenantId).Select(t => new { t.Name, t.Verified }).FirstOrDefaultAsync(ct);
        if (found is null) throw ActionRefusedException.NotFound("There is no such tenant.");
        var (tenantName, verified) = (found.Name, found.Verified);
        if (!await db.GpuSkus.AnyAsync(s => s.Id == skuId, ct)) throw ActionRefusedException.NotFound($"There is no GPU SKU '{skuId}'.");

        var row = await db.Set<GpuQuota>().FirstOrDefaultAsync(q => q.TenantId == tenantId && q.SkuId == skuId, ct);
        if (row?.MaxGpus == maxGpus) return $"The {skuId} quota of {tenantName} is already {Quota(maxGpus, verified)}.";
        var change = $"{skuId} quota {Quota(row?.MaxGpus, verified)} → {Quota(maxGpus, verified)}";
        if (maxGpus is null) db.Remove(row!);
        else if (row is null) db.Add(new GpuQuota { TenantId = tenantId, SkuId = skuId, MaxGpus = maxGpus.Value });
        else row.MaxGpus = maxGpus.Value;
        audit.Add(db, LeaseAdminActions.GpuQuotaSet, LeaseAdminActions.TenantTarget, tenantId.ToString(), tenantName, tenantId, change);
        await db.SaveChangesAsync(ct);
        return $"{tenantName}: {change}. Leases already signed are not affected.";
    }

    /// <summary>
    /// Marks a tenant verified (Support checked who it is: the default GPU quota and spend ceiling apply) or takes that back
    /// (the low unverified defaults apply again). A quota or ceiling Support set stays either way. Audited.
    /// </summary>
    public async Task<string> SetVerifiedAsync(Guid tenantId, bool verified, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == tenantId, ct);
        if (tenant is null) throw ActionRefusedException.NotFound("There is no such tenant.");
        if (tenant.Verified == verified)
            return $"{tenant.Name} is already {(verified ? "verified" : "unverified")}.";

        tenant.Verified = verified;
        var ceiling = Money.Format(spendOptions.Value.CeilingFor(null, verified));
        var defaults = $"default GPU quota {Counted.Gpus(Options.QuotaFor(null, verified))}, spend ceiling {ceiling}";
        audit.Add(db, verified ? LeaseAdminActions.Verified : LeaseAdminActions.Unverified, LeaseAdminActions.TenantTarget,
            tenantId.ToString(), tenant.Name, tenantId, $"{(verified ? "Verified" : "Unverified")}: {defaults}");
        await db.SaveChangesAsync(ct);
        return $"{tenant.Name} is {(verified ? "verified" : "no longer verified")}: {defaults} " +
            "(quotas and a ceiling set here still win). Leases already signed are not affected.";
    }

    private string Ceiling(long? micros, bool verified) =>
        micros is { } m ? Money.Format(m) : $"default ({Money.Format(spendOptions.Value.CeilingFor(null, verified))})";

    private string Quota(int? gpus, bool verified) => gpus is { } g ? Counted.Gpus(g) : $"default ({Counted.Gpus(Options.QuotaFor(null, verified))})";
}
