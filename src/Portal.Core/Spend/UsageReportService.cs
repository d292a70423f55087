using Microsoft.EntityFrameworkCore;
using Portal.Core.Billing;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Spend;

/// <summary>
/// Which usage to show: UTC days [From, To) and, optionally, one GPU SKU and/or one model. A SKU narrows the lease usage
/// to that SKU, a model the batch usage to that model; choosing only one of them shows only that kind of usage.
/// </summary>
public sealed record UsageFilter(DateOnly From, DateOnly To, string? SkuId = null, string? Model = null)
{
    public DateTime FromUtc => From.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    public DateTime ToUtc => To.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    public static UsageFilter Month(DateTime anyInstant) =>
        new(DateOnly.FromDateTime(SpendMonth.StartOf(anyInstant)), DateOnly.FromDateTime(SpendMonth.StartOf(anyInstant).AddMonths(1)));
}

/// <summary>One day's usage of one GPU SKU (leases) or one model (batches).</summary>
public sealed record UsageDay(DateOnly Day, UsageSource Source, string Item, long GpuSeconds, long InputTokens, long OutputTokens, long AmountMicros)
{
    public decimal GpuHours => GpuSeconds / 3600m;
    public long Tokens => InputTokens + OutputTokens;
}

public sealed record UsageReport(UsageFilter Filter, IReadOnlyList<UsageDay> Rows, IReadOnlyList<string> Skus, IReadOnlyList<string> Models)
{
    public long TotalMicros => Rows.Sum(r => r.AmountMicros);
    public decimal TotalGpuHours => Rows.Sum(r => r.GpuHours);
    public long TotalTokens => Rows.Sum(r => r.Tokens);
    public IEnumerable<DateOnly> Days
    {
        get { for (var d = Filter.From; d < Filter.To; d = d.AddDays(1)) yield return d; }
    }
}

/// <summary>The organisation's usage by day, from the usage records metering writes. Any member reads it; only their own tenant's.</summary>
public sealed class UsageReportService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, TimeProvider time)
{
    /// <summary>The longest custom range: a year and a day.</summary>
    public const int MaxDays = 366;

    public async Task<UsageReport> ReadAsync(UsageFilter filter, CancellationToken ct = default)
    {
        if (tenant.TenantId is not { } tenantId) throw TenantActionRefusedException.NoOrganisation();
        if (filter.To <= filter.From) filter = filter with { To = filter.From.AddDays(1) };
        if (filter.To.DayNumber - filter.From.DayNumber > MaxDays) filter = filter with { To = filter.From.AddDays(MaxDays) };
        var (from, to) = (filter.FromUtc, filter.ToUtc);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct); // one open for its ten or so reads, not one each
        // The tenant filter keeps this to the member's own organisation; summed per hour and item in SQL, per day here.
        var inPeriod = db.UsageRecords.AsNoTracking().Where(u => u.PeriodStart >= from && u.PeriodStart < to);
        // What the meter has not written yet, up to now, so the page shows the month so far as the dashboard does.
        var now = time.GetUtcNow().UtcDateTime;
        var live = now > from
            ? (await Billing.MonthToDate.LiveRecordsAsync(db, tenantId, from, now, ct)).Where(u => u.PeriodStart < to).ToList()
            : [];
        // One pass over the period's records, summed per hour and item in SQL: the filter lists come from it, and the SKU and
        // model filters apply in memory (the same rule as to the live records), instead of three scans of the month.
        var all = (await inPeriod.GroupBy(u => new { u.PeriodStart, u.Source, u.SkuId, u.Model })
            .Select(g => new
            {
                g.Key.PeriodStart, g.Key.Source, g.Key.SkuId, g.Key.Model, GpuSeconds = g.Sum(u => u.GpuSeconds),
                InputTokens = g.Sum(u => u.InputTokens), OutputTokens = g.Sum(u => u.OutputTokens), Amount = g.Sum(u => u.AmountMicros),
            }).ToListAsync(ct))
            .Select(h => new UsageHour(h.PeriodStart, h.Source, h.SkuId, h.Model, h.GpuSeconds, h.InputTokens, h.OutputTokens, h.Amount))
            .Concat(live.Select(u => new UsageHour(u.PeriodStart, u.Source, u.SkuId, u.Model, u.GpuSeconds, u.InputTokens, u.OutputTokens, u.AmountMicros)))
            .ToList();
        var skus = all.Where(u => u.SkuId != null).Select(u => u.SkuId!).Distinct().Order(StringComparer.Ordinal).ToList();
        var models = all.Where(u => u.Model != null).Select(u => u.Model!).Distinct().Order(StringComparer.Ordinal).ToList();
        var hours = all.Where(u => Wanted(filter, u.Source, u.SkuId, u.Model));
        var rows = hours
            .GroupBy(h => (Day: DateOnly.FromDateTime(h.PeriodStart), h.Source, Item: (h.Source == UsageSource.Lease ? h.SkuId : h.Model) ?? "(unknown)"))
            .Select(g => new UsageDay(g.Key.Day, g.Key.Source, g.Key.Item, g.Sum(h => h.GpuSeconds), g.Sum(h => h.InputTokens),
                g.Sum(h => h.OutputTokens), g.Sum(h => h.AmountMicros)))
            .OrderBy(r => r.Day).ThenBy(r => r.Source).ThenBy(r => r.Item, StringComparer.Ordinal).ToList();
        return new UsageReport(filter, rows, skus, models);
    }

    /// <summary>The SKU and model filters: a SKU narrows lease usage, a model batch usage; only one of them shows only that kind.</summary>
    private static bool Wanted(UsageFilter f, UsageSource source, string? skuId, string? model) => (f.SkuId, f.Model) switch
    {
        ({ } sku, { } m) => (source == UsageSource.Lease && skuId == sku) || (source == UsageSource.Batch && model == m),
        ({ } sku, null) => source == UsageSource.Lease && skuId == sku,
        (null, { } m) => source == UsageSource.Batch && model == m,
        _ => true,
    };

    /// <summary>One hour's usage of one item, stored (summed in SQL) or live.</summary>
    private sealed record UsageHour(DateTime PeriodStart, UsageSource Source, string? SkuId, string? Model, long GpuSeconds,
        long InputTokens, long OutputTokens, long AmountMicros);
}
