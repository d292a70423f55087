using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>What leases used in a span of whole hours: the usage records <see cref="MeterUsageJob"/> writes for them.</summary>
internal static class LeaseUsage
{
    static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>
    /// One record per lease that ran during [hour, hour + 1 h): the GPU-seconds of each firm allocation inside both
    /// the hour and the lease's running time (from ActivatedAt to its end, early release or end of the ended
    /// lease), at the lease's locked rate or, for an extension's allocations, the extension's. A failed node's
    /// allocation was cut at the failure's hour, so its lost hours are never counted; its replacement, if any, is.
    /// </summary>
    /// <param name="cut">Count nothing from this instant on (the month-so-far view stops at now; the meter only meters ended hours).</param>
    /// <param name="tenantId">Only this organisation's leases (the meter takes everyone's).</param>
    internal static async Task<List<UsageRecord>> RecordsAsync(PortalDbContext db, DateTime from, DateTime to, CancellationToken ct,
        DateTime? cut = null, Guid? tenantId = null)
    {
        var leases = await db.Leases.AsNoTracking().AsSplitQuery().Include(l => l.Allocations).Include(l => l.Amendments)
            .Where(l => l.ActivatedAt != null && l.ActivatedAt < to && l.Start < to && l.End > from
                && (l.ReleasedAt == null || l.ReleasedAt > from))
            .Where(l => tenantId == null || l.TenantId == tenantId)
            .ToListAsync(ct);
        var records = new List<UsageRecord>();
        foreach (var (lease, hour) in leases.SelectMany(l => Hours(from, to), (l, h) => (l, h)))
        {
            var (gpuSeconds, amount) = OneHour(lease, hour, cut);
            if (gpuSeconds == 0) continue;
            records.Add(new UsageRecord
            {
                TenantId = lease.TenantId, PeriodStart = hour, Source = UsageSource.Lease, SourceId = lease.Id.ToString(),
                SkuId = lease.SkuId, RegionId = lease.RegionId, GpuSeconds = gpuSeconds, AmountMicros = amount,
            });
        }
        return records;
    }

    /// <summary>GPU-seconds and their cost (rounded to the micro-dollar, half up) of one lease in one hour (up to <paramref name="cut"/>).</summary>
    internal static (long GpuSeconds, long AmountMicros) OneHour(Lease lease, DateTime hour, DateTime? cut = null)
    {
        var next = cut is { } c && c < hour + Hour ? c : hour + Hour;
        // From activation, but never before the lease's start: a lease that starts on activation starts at the whole minute
        // after it (ActivatedAt rounded up), so the GPUs' first seconds are free and the metered total is the signed price.
        var from = Max(lease.ActivatedAt!.Value, lease.Start);
        var stop = Min(lease.End, lease.ReleasedAt is { } r ? r : DateTime.MaxValue, lease.EndedAt is { } e ? e : DateTime.MaxValue);
        var rates = Rates(lease);
        long gpuSeconds = 0, microSeconds = 0; // micro-dollars x seconds / hour, summed exactly, divided once
        foreach (var a in lease.Allocations.Where(a => a.Status == AllocationStatus.Firm))
        {
            var end = a.End;
            // An early release ends the allocations at the hour it happened in (freeing that hour for others at once),
            // but the GPUs were held until the release itself.
            if (lease.ReleasedAt is { } released && end == CancellationPolicy.FloorHour(released) && released > end
                && !lease.Allocations.Any(x => x.ReplacesId == a.Id))
                end = released;
            var start = Max(a.Start, from, hour);
            var until = Min(end, stop, next);
            if (until <= start) continue;
            // Each second at the rate of the window it falls in: the lease's own, then each signed extension's.
            foreach (var (from2, to2, rate) in rates)
            {
                var (s2, u2) = (Max(start, from2), Min(until, to2));
                if (u2 <= s2) continue;
                var seconds = (long)(u2 - s2).TotalSeconds * a.Gpus;
                gpuSeconds += seconds;
                microSeconds += seconds * rate;
            }
        }
        return (gpuSeconds, (microSeconds + 1800) / 3600);
    }

    /// <summary>What one lease used from its activation up to <paramref name="now"/>: the meter's records of every hour, the current one up to now.</summary>
    internal static (long GpuSeconds, long AmountMicros) SoFar(Lease lease, DateTime now)
    {
        if (lease.ActivatedAt is not { } activated) return (0, 0);
        long seconds = 0, micros = 0;
        for (var hour = CancellationPolicy.FloorHour(activated); hour < now && hour < lease.End; hour += Hour)
        {
            var (s, m) = OneHour(lease, hour, now);
            (seconds, micros) = (seconds + s, micros + m);
        }
        return (seconds, micros);
    }

    /// <summary>The lease's windows and their rates: its own term from its start, then each signed extension's [old end, new end).</summary>
    static List<(DateTime From, DateTime To, long Rate)> Rates(Lease lease)
    {
        var signed = lease.Amendments.Where(x => x.State == AmendmentState.Signed).OrderBy(x => x.OldEnd).ToList();
        var own = signed.Count > 0 ? signed[0].OldEnd : lease.End;
        return [(DateTime.MinValue, own, lease.MicrosPerGpuHour), .. signed.Select(x => (x.OldEnd, x.NewEnd, x.MicrosPerGpuHour))];
    }

    static IEnumerable<DateTime> Hours(DateTime from, DateTime to)
    {
        for (var h = from; h < to; h += Hour) yield return h;
    }

    static DateTime Min(params DateTime[] t) => t.Min();
    static DateTime Max(params DateTime[] t) => t.Max();
}
