using Portal.Core.Billing;
using Portal.Core.Data;

namespace Portal.Core.Spend;

/// <summary>
/// The month's spend as the pages show it: so far is <see cref="MonthToDate"/> (what the meter wrote and will write, up to
/// now), the forecast adds to it what <see cref="SpendMonth"/> expects from now to the month's end, and "left" follows.
/// The limit checks keep <see cref="SpendMonth"/>'s own figure, which counts a signed lease from its start, never less.
/// </summary>
public static class LiveMonthSpend
{
    public static async Task<(MonthSpend Month, MonthToDate SoFar)> ReadAsync(PortalDbContext db, Guid tenantId, DateTime now, SpendOptions options,
        CancellationToken ct = default)
    {
        var month = await MonthSpendReader.ReadAsync(db, tenantId, now, options, ct);
        var soFar = await MonthToDate.ReadAsync(db, tenantId, now, ct);
        var ahead = Math.Max(0, month.ForecastMicros - month.SoFarMicros);
        return (month with { SoFarMicros = soFar.TotalMicros, ForecastMicros = soFar.TotalMicros + ahead }, soFar);
    }
}
