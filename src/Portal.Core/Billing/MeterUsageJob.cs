using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Billing;

/// <summary>
/// Hourly: for every UTC hour that has ended and is not yet metered (<see cref="MeteredHour"/>), writes one
/// <see cref="UsageRecord"/> per lease that ran in it and per batch that finished in it. Run twice, late, after
/// downtime or by two workers at once, it writes the same records: it meters from the hour after the last one
/// finished, skips records already there, and the database's unique index refuses a second copy (a conflict means
/// another run wrote the hour first, so this one re-reads and carries on).
/// </summary>
public sealed partial class MeterUsageJob(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, ILogger<MeterUsageJob> logger)
{
    public const string RecurringId = "meter-usage";
    static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Meters every ended hour not metered yet; returns how many hours it metered.</summary>
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lastEnded = FloorHour(now) - Hour;
        var count = 0;
        for (var hour = await FirstUnmeteredHourAsync(lastEnded, ct); hour <= lastEnded; hour += Hour)
        {
            ct.ThrowIfCancellationRequested();
            if (await MeterHourAsync(hour, ct)) count++;
        }
        return count;
    }

    /// <summary>The hour after the last metered one; on the very first run, the first hour anything was used.</summary>
    private async Task<DateTime> FirstUnmeteredHourAsync(DateTime lastEnded, CancellationToken ct)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        if (await db.MeteredHours.MaxAsync(h => (DateTime?)h.Hour, ct) is { } last) return Utc(last) + Hour;
        DateTime?[] firsts =
        [
            await db.Leases.Where(l => l.ActivatedAt != null).MinAsync(l => l.ActivatedAt, ct),
            await db.Batches.Where(b => b.CompletedAt != null).MinAsync(b => b.CompletedAt, ct),
            await db.Batches.Where(b => b.CancelledAt != null).MinAsync(b => b.CancelledAt, ct),
            await db.Batches.Where(b => b.ExpiredAt != null).MinAsync(b => b.ExpiredAt, ct),
        ];
        var first = firsts.Where(t => t is not null).Select(t => FloorHour(Utc(t!.Value))).DefaultIfEmpty(lastEnded).Min();
        return first < lastEnded ? first : lastEnded;
    }

    /// <summary>Writes one hour's records and marks the hour metered, in one transaction; false if another run had done it.</summary>
    private async Task<bool> MeterHourAsync(DateTime hour, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
            if (await db.MeteredHours.AnyAsync(h => h.Hour == hour, ct)) return false;
            var now = time.GetUtcNow().UtcDateTime;
            var records = (await LeaseUsageAsync(db, hour, ct)).Concat(await BatchUsageAsync(db, hour, ct)).ToList();
            var existing = (await db.UsageRecords.Where(r => r.PeriodStart == hour)
                .Select(r => new { r.TenantId, r.Source, r.SourceId }).ToListAsync(ct))
                .Select(r => (r.TenantId, r.Source, r.SourceId)).ToHashSet();
            var missing = records.Where(r => !existing.Contains((r.TenantId, r.Source, r.SourceId))).ToList();
            foreach (var r in missing) r.RecordedAt = now;
            db.UsageRecords.AddRange(missing);
            db.MeteredHours.Add(new MeteredHour { Hour = hour, MeteredAt = now, Records = records.Count });
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException e) when (attempt < 5)
            {
                // Another run wrote some of this hour's records (or marked it) between our read and our write.
                logger.LogInformation("Metering {Hour:yyyy-MM-dd HH}:00 met a concurrent run ({Error}); reading again.", hour, e.InnerException?.Message);
            }
        }
    }

    internal static DateTime FloorHour(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
    internal static DateTime Utc(DateTime t) => t.Kind == DateTimeKind.Utc ? t : DateTime.SpecifyKind(t, DateTimeKind.Utc);
}
