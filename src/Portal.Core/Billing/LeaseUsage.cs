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
    internal static async Task<List<UsageRecord>> RecordsAsync(PortalDbContext db, DateTime from, DateTime to, CancellationToken ct)
    {
        var leases = await db.Leases.AsNoTracking().AsSplitQuery().Include(l => l.Allocations).Include(l => l.Amendments)
            .Where(l => l.ActivatedAt != null && l.ActivatedAt < to && l.Start < to && l.End > from
                && (l.ReleasedAt == null || l.ReleasedAt > from))
            .ToListAsync(ct);
        var records = new List<UsageRecord>();
        foreach (var (lease, hour) in leases.SelectMany(l => Hours(from, to), (l, h) => (l, h)))
        {
            var (gpuSeconds, amount) = OneHour(lease, hour);
            if (gpuSeconds == 0) continue;
            records.Add(new UsageRecord
            {
                TenantId = lease.TenantId, PeriodStart = hour, Source = UsageSource.Lease, SourceId = lease.Id.ToString(),
                SkuId = lease.SkuId, RegionId = lease.RegionId, GpuSeconds = gpuSeconds, AmountMicros = amount,
            });
        }
        return records;
    }

    /// <summary>GPU-seconds and their cost (rounded to the micro-dollar, half up) of one lease in one hour.</summary>
    internal static (long GpuSeconds, long AmountMicros) OneHour(Lease lease, DateTime hour)
    {
        var next = hour + Hour;
        var from = lease.ActivatedAt!.Value;
        var stop = Min(lease.End, lease.ReleasedAt is { } r ? r : DateTime.MaxValue, lease.EndedAt is { } e ? e : DateTime.MaxValue);
        var rates = lease.Amendments.ToDictionary(a => a.Id, a => a.MicrosPerGpuHour);
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
            var seconds = (long)(until - start).TotalSeconds * a.Gpus;
            var rate = a.AmendmentId is { } id && rates.TryGetValue(id, out var r2) ? r2 : lease.MicrosPerGpuHour;
            gpuSeconds += seconds;
            microSeconds += seconds * rate;
        }
        return (gpuSeconds, (microSeconds + 1800) / 3600);
    }

    static IEnumerable<DateTime> Hours(DateTime from, DateTime to)
    {
        for (var h = from; h < to; h += Hour) yield return h;
    }

    static DateTime Min(params DateTime[] t) => t.Min();
    static DateTime Max(params DateTime[] t) => t.Max();
}
