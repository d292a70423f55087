using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>
/// Hourly: for every UTC hour that has ended and is not yet metered (<see cref="MeteredHour"/>), writes one
/// <see cref="UsageRecord"/> per lease that ran in it and per batch that finished in it. Run twice, late, after
/// downtime or by two workers at once, it writes the same records: it meters from the hour after the last one
/// finished, skips records already there, and the database's unique index refuses a second copy (a conflict means
/// another run wrote the hour first, so this one re-reads and carries on).
/// </summary>
public sealed class MeterUsageJob(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, ILogger<MeterUsageJob> logger)
{
    public const string RecurringId = "meter-usage";
    static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Meters every ended hour not metered yet; returns how many hours it metered.</summary>
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lastEnded = CancellationPolicy.FloorHour(now) - Hour;
        var count = 0;
        // A day of hours per transaction: catching up after downtime (or the first run) reads each lease once a day, not once an hour.
        for (var from = await FirstUnmeteredHourAsync(lastEnded, ct); from <= lastEnded; from = from.AddHours(HoursPerChunk))
        {
            ct.ThrowIfCancellationRequested();
            var to = from.AddHours(HoursPerChunk);
            if (to > lastEnded + Hour) to = lastEnded + Hour;
            count += await MeterHoursAsync(from, to, ct);
        }
        return count;
    }

    const int HoursPerChunk = 24;

    /// <summary>The hour after the last metered one; on the very first run, the first hour anything was used.</summary>
    private async Task<DateTime> FirstUnmeteredHourAsync(DateTime lastEnded, CancellationToken ct)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        if (await db.MeteredHours.MaxAsync(h => (DateTime?)h.Hour, ct) is { } last) return last + Hour;
        DateTime?[] firsts =
        [
            await db.Leases.Where(l => l.ActivatedAt != null).MinAsync(l => l.ActivatedAt, ct),
            await db.Batches.Where(b => b.CompletedAt != null).MinAsync(b => b.CompletedAt, ct),
            await db.Batches.Where(b => b.CancelledAt != null).MinAsync(b => b.CancelledAt, ct),
            await db.Batches.Where(b => b.ExpiredAt != null).MinAsync(b => b.ExpiredAt, ct),
        ];
        var first = firsts.Where(t => t is not null).Select(t => CancellationPolicy.FloorHour(t!.Value)).DefaultIfEmpty(lastEnded).Min();
        return first < lastEnded ? first : lastEnded;
    }

    /// <summary>Writes the records of the hours [from, to) not yet metered and marks them metered, in one transaction; returns how many hours.</summary>
    private async Task<int> MeterHoursAsync(DateTime from, DateTime to, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
            var done = (await db.MeteredHours.Where(h => h.Hour >= from && h.Hour < to).Select(h => h.Hour).ToListAsync(ct)).ToHashSet();
            var hours = Enumerable.Range(0, (int)(to - from).TotalHours).Select(i => from.AddHours(i)).Where(h => !done.Contains(h)).ToList();
            if (hours.Count == 0) return 0;
            var now = time.GetUtcNow().UtcDateTime;
            var records = (await LeaseUsage.RecordsAsync(db, from, to, ct)).Concat(await BatchUsage.RecordsAsync(db, from, to, ct))
                .Where(r => !done.Contains(r.PeriodStart)).ToList();
            var existing = (await db.UsageRecords.Where(r => r.PeriodStart >= from && r.PeriodStart < to)
                .Select(r => new { r.TenantId, r.PeriodStart, r.Source, r.SourceId }).ToListAsync(ct))
                .Select(r => (r.TenantId, r.PeriodStart, r.Source, r.SourceId)).ToHashSet();
            var missing = records.Where(r => !existing.Contains((r.TenantId, r.PeriodStart, r.Source, r.SourceId))).ToList();
            foreach (var r in missing) r.RecordedAt = now;
            db.UsageRecords.AddRange(missing);
            db.MeteredHours.AddRange(hours.Select(h => new MeteredHour { Hour = h, MeteredAt = now, Records = records.Count(r => r.PeriodStart == h) }));
            try
            {
                await db.SaveChangesAsync(ct);
                return hours.Count;
            }
            catch (DbUpdateException e) when (attempt < 5)
            {
                // Another run wrote some of these records (or marked an hour) between our read and our write.
                logger.LogInformation("Metering from {From:yyyy-MM-dd HH}:00 met a concurrent run ({Error}); reading again.", from, e.InnerException?.Message);
            }
        }
    }
}
