using Portal.Core.Catalog;

namespace Portal.Core.Leases;

/// <summary>
/// The exact price of GPUs over hours: GPU-hours at the on-demand rate, less the term discount for
/// that length, in micro-dollars. The per-GPU-hour rate is rounded down once; totals are exact multiples.
/// </summary>
public sealed record LeasePrice(int Gpus, int Hours, long OnDemandMicrosPerGpuHour, int DiscountBasisPoints, long MicrosPerGpuHour)
{
    public long GpuHours => (long)Gpus * Hours;
    public long ListMicros => GpuHours * OnDemandMicrosPerGpuHour;
    public long TotalMicros => GpuHours * MicrosPerGpuHour;
    public long DiscountMicros => ListMicros - TotalMicros;

    public static LeasePrice For(GpuSku sku, int gpus, int hours) =>
        new(gpus, hours, sku.OnDemandMicrosPerGpuHour, sku.DiscountBasisPointsFor(hours), sku.MicrosPerGpuHourFor(hours));

    /// <summary>The same from figures a query read: the on-demand rate and the discount for that term.</summary>
    public static LeasePrice For(long onDemandMicrosPerGpuHour, int discountBasisPoints, int gpus, int hours) =>
        new(gpus, hours, onDemandMicrosPerGpuHour, discountBasisPoints, onDemandMicrosPerGpuHour * (10_000 - discountBasisPoints) / 10_000);

    public static LeasePrice Of(Lease lease) =>
        new(lease.Gpus, (int)(lease.End - lease.Start).TotalHours, lease.OnDemandMicrosPerGpuHour, lease.DiscountBasisPoints, lease.MicrosPerGpuHour);
}

/// <summary>
/// The stated cancellation policy: free until <see cref="LeaseOptions.FreeCancellationHours"/> before
/// start; after that, and for an early release, the hours used are billed in full and
/// <see cref="LeaseOptions.LateCancellationPercent"/> of the hours left.
/// </summary>
public static class CancellationPolicy
{
    public static string Describe(LeaseOptions o) =>
        $"Cancel free of charge until {Counted.Hours(o.FreeCancellationHours)} before the lease starts. " +
        $"After that, or when an active lease is released early, the hours already used are billed in full " +
        $"and {o.LateCancellationPercent}% of the hours not used.";

    /// <summary>The fee for cancelling or releasing at <paramref name="now"/>, given GPU-hours used and unused.</summary>
    public static long FeeMicros(LeaseOptions o, long microsPerGpuHour, int gpus, DateTime start, DateTime end, DateTime now)
    {
        if (now <= start.AddHours(-o.FreeCancellationHours)) return 0;
        var usedUntil = CeilHour(now) < start ? start : (CeilHour(now) > end ? end : CeilHour(now));
        var unusedHours = (long)(end - usedUntil).TotalHours;
        return unusedHours * gpus * microsPerGpuHour * o.LateCancellationPercent / 100;
    }

    public static DateTime CeilHour(DateTime t)
    {
        var floor = new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        return floor == t ? floor : floor.AddHours(1);
    }

    public static DateTime FloorHour(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
}
