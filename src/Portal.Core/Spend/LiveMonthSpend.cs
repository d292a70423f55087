using Microsoft.EntityFrameworkCore;
using Portal.Core.Billing;
using Portal.Core.Data;

namespace Portal.Core.Spend;

/// <summary>
/// The month's spend as the pages show it: so far is <see cref="MonthToDate"/>'s total (what the meter wrote and will write, up
/// to now), the forecast adds to it what <see cref="SpendMonth"/> expects from now to the month's end, and "left" follows.
/// The limit checks keep <see cref="SpendMonth"/>'s own figure, which counts a signed lease from its start, never less.
/// </summary>
public static class LiveMonthSpend
{
    public static async Task<MonthSpend> ReadAsync(PortalDbContext db, Guid tenantId, DateTime now, SpendOptions options,
        CancellationToken ct = default)
    {
        var month = await MonthSpendReader.ReadAsync(db, tenantId, now, options, ct);
        var soFar = await SoFarMicrosAsync(db, tenantId, now, ct);
        var ahead = Math.Max(0, month.ForecastMicros - month.SoFarMicros);
        return month with { SoFarMicros = soFar, ForecastMicros = soFar + ahead };
    }

    /// <summary>
    /// <see cref="MonthToDate.TotalMicros"/> without reading the month's records: the stored ones summed by the database (a
    /// tenant with 25 running leases has ~4,000 of them by the 7th, and reading them was most of the dashboard's CPU), the
    /// live ones as <see cref="MonthToDate"/> computes them. Read on every render, so it is never staler than the records.
    /// </summary>
    public static async Task<long> SoFarMicrosAsync(PortalDbContext db, Guid tenantId, DateTime now, CancellationToken ct = default)
    {
        var monthStart = SpendMonth.StartOf(now);
        var monthEnd = monthStart.AddMonths(1);
        var stored = await db.UsageRecords
            .Where(r => r.TenantId == tenantId && r.PeriodStart >= monthStart && r.PeriodStart < monthEnd).SumAsync(r => r.AmountMicros, ct);
        var live = await MonthToDate.LiveRecordsAsync(db, tenantId, monthStart, now, ct);
        return stored + live.Sum(r => r.AmountMicros);
    }
}
