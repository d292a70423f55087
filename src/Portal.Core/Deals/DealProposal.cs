using Portal.Core.Admin;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Leases;

namespace Portal.Core.Deals;

/// <summary>
/// What Support offers for a lease under review: a negotiated rate (per GPU-hour, or a total the rate is derived from),
/// a window and cancellation terms, with a reason the tenant sees. Dollars as typed on the page or sent to the API.
/// </summary>
public sealed record DealProposal(decimal? UsdPerGpuHour, decimal? TotalUsd, DateTime Start, DateTime End,
    int FreeCancellationHours, int LateCancellationPercent, string? Reason)
{
    /// <summary>
    /// The checked proposal for <paramref name="lease"/>: the rate in micro-dollars (a total is divided by the GPU-hours and
    /// rounded down to a micro-dollar) and the trimmed reason; or every problem, in words, and nothing to act on.
    /// </summary>
    public (long MicrosPerGpuHour, string Reason) Check(Lease lease, LeaseOptions o, DateTime now)
    {
        var errors = new List<string>();
        if (AdminReason.Validate(Reason, out var why) is { } badReason) errors.Add(badReason);
        if (UsdPerGpuHour is null == TotalUsd is null) errors.Add("Give either a rate per GPU-hour or a total price, not both.");
        if (UsdPerGpuHour < 0 || TotalUsd < 0) errors.Add("A price cannot be negative.");
        // The signed window stays as it is, even a "now" lease's that began mid-hour; a new one is placed on whole hours.
        var windowChanged = Start != lease.Start || End != lease.End;
        if (windowChanged && (!CapacityTime.IsWholeUtcHour(Start) || !CapacityTime.IsWholeUtcHour(End)))
            errors.Add("The window must start and end on whole hours (UTC).");
        var hours = (End - Start).TotalHours;
        if (windowChanged && (hours < o.MinHours || hours > o.MaxHours))
            errors.Add($"The window must be between {o.MinHours} hour and {o.MaxHours / 24} days ({o.MaxHours} hours).");
        if (windowChanged && Start < CancellationPolicy.FloorHour(now)) errors.Add("A new window cannot start in the past.");
        if (windowChanged && Start > CancellationPolicy.FloorHour(now).AddDays(o.MaxStartWeeksAhead * 7))
            errors.Add($"A new window may start at most {o.MaxStartWeeksAhead} weeks ahead.");
        if (FreeCancellationHours is < 0 or > 24 * 365) errors.Add("Free cancellation must end 0 to 8,760 hours before the start.");
        if (LateCancellationPercent is < 0 or > 100) errors.Add("The late cancellation share must be 0 to 100 percent.");
        if (errors.Count > 0) throw Refusal(errors);

        var gpuHours = (long)lease.Gpus * (long)hours;
        var micros = UsdPerGpuHour is { } rate ? ToMicros(rate) : ToMicros(TotalUsd!.Value) / gpuHours;
        if (micros > lease.OnDemandMicrosPerGpuHour)
            throw LeaseException.Invalid($"The negotiated rate ({Money.Format(micros)} per GPU-hour) is above the list price " +
                                         $"({Money.Format(lease.OnDemandMicrosPerGpuHour)}). Nothing was changed.");
        return (micros, why);
    }

    private static long ToMicros(decimal usd) => usd > long.MaxValue / Money.MicrosPerDollar
        ? long.MaxValue : (long)decimal.Floor(usd * Money.MicrosPerDollar);

    private static LeaseException Refusal(List<string> errors) => LeaseException.Invalid(string.Join(" ", errors) + " Nothing was changed.");
}
