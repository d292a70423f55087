using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>
/// An organisation's month so far, live: the usage records the hourly meter wrote this month, plus the ones it will
/// write for the hours it has not metered yet, computed up to now by the meter's own code (<see cref="LeaseUsage"/>,
/// <see cref="BatchUsage"/>), and what running batches cost so far. The dashboard, the usage page, the draft invoice and
/// the lease page all read it, so they show one figure, and the same figure again after the meter has run.
/// </summary>
public sealed record MonthToDate(DateTime MonthStart, DateTime Now, IReadOnlyList<UsageRecord> Records)
{
    static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public long TotalMicros => Records.Sum(r => r.AmountMicros);

    /// <summary>The records not written yet (<see cref="UsageRecord.RecordedAt"/> unset): what the meter will write.</summary>
    public IEnumerable<UsageRecord> Live => Records.Where(r => r.RecordedAt == default);

    /// <summary>The month of <paramref name="now"/> for one organisation, stored records and live ones.</summary>
    public static async Task<MonthToDate> ReadAsync(PortalDbContext db, Guid tenantId, DateTime now, CancellationToken ct = default)
    {
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var stored = await db.UsageRecords.AsNoTracking()
            .Where(r => r.TenantId == tenantId && r.PeriodStart >= monthStart && r.PeriodStart < monthStart.AddMonths(1)).ToListAsync(ct);
        return new MonthToDate(monthStart, now, [.. stored, .. await LiveRecordsAsync(db, tenantId, monthStart, now, ct)]);
    }

    /// <summary>
    /// What the meter will write for [<paramref name="from"/>, now) and has not: every hour after the last metered one, the
    /// hour under way up to now; plus running batches' cost so far, in the current hour. A record already stored is never
    /// counted twice.
    /// </summary>
    public static async Task<List<UsageRecord>> LiveRecordsAsync(PortalDbContext db, Guid tenantId, DateTime from, DateTime now,
        CancellationToken ct = default)
    {
        var lastMetered = await db.MeteredHours.MaxAsync(h => (DateTime?)h.Hour, ct);
        var liveFrom = lastMetered is { } h && h + Hour > from ? h + Hour : from;
        var thisHour = CancellationPolicy.FloorHour(now);
        var to = thisHour == now ? now : thisHour + Hour;
        if (liveFrom >= to) return [];
        var live = await LeaseUsage.RecordsAsync(db, liveFrom, to, ct, cut: now, tenantId: tenantId);
        live.AddRange((await BatchUsage.RecordsAsync(db, liveFrom, to, ct)).Where(r => r.TenantId == tenantId));
        live.AddRange(await RunningBatchesAsync(db, tenantId, thisHour, ct));
        var written = (await db.UsageRecords.AsNoTracking().Where(r => r.TenantId == tenantId && r.PeriodStart >= liveFrom && r.PeriodStart < to)
            .Select(r => new { r.PeriodStart, r.Source, r.SourceId }).ToListAsync(ct)).Select(r => (r.PeriodStart, r.Source, r.SourceId)).ToHashSet();
        return [.. live.Where(r => !written.Contains((r.PeriodStart, r.Source, r.SourceId)))];
    }

    /// <summary>A running batch's cost so far, as a record of the hour under way (the meter writes it once the batch ends).</summary>
    private static async Task<List<UsageRecord>> RunningBatchesAsync(PortalDbContext db, Guid tenantId, DateTime thisHour, CancellationToken ct)
    {
        BatchStatus[] running = [BatchStatus.InProgress, BatchStatus.Finalizing, BatchStatus.Cancelling];
        var batches = await db.Batches.AsNoTracking()
            .Where(b => b.TenantId == tenantId && running.Contains(b.Status) && b.CostMicros > 0)
            .Select(b => new { b.Id, b.Model, b.InputTokens, b.OutputTokens, b.CostMicros }).ToListAsync(ct);
        return [.. batches.Select(b => new UsageRecord
        {
            TenantId = tenantId, PeriodStart = thisHour, Source = UsageSource.Batch, SourceId = b.Id, Model = b.Model,
            InputTokens = b.InputTokens, OutputTokens = b.OutputTokens, AmountMicros = b.CostMicros,
        })];
    }

    /// <summary>What one lease used up to <paramref name="now"/>: GPU-seconds and micro-dollars, exactly as the meter writes them hour by hour.</summary>
    public static (long GpuSeconds, long AmountMicros) OfLease(Lease lease, DateTime now) => LeaseUsage.SoFar(lease, now);
}
