namespace Portal.Core.Leases;

/// <summary>
/// A lease asked for "now" (the hour under way, quoted after that hour began) starts when it becomes Active, not at the top
/// of the hour: at activation its window moves to [the whole minute after activation, that + its hours), so it runs and is
/// billed for exactly the hours signed, per second, from that minute. Capacity stays in whole hours: the quote reserves one
/// hour more than asked ([top of the hour, + hours + 1 h)), which holds the whole window whenever in that first hour it
/// activates. If it activates later than that (Support's approval, a pool that keeps refusing), it ends where its
/// reservation ends and is billed only for what it ran. Nothing is ever placed outside the reservation: no overbooking.
/// </summary>
public static class StartOnActivation
{
    static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>A start at the hour under way, asked after that hour began: "now".</summary>
    public static bool IsNow(DateTime start, DateTime askedAt) => start == CancellationPolicy.FloorHour(askedAt) && askedAt > start;

    /// <summary>Still waiting to start on activation: quoted "now" and not active yet (its Start is the top of the hour until then).</summary>
    public static bool Pending(Lease lease) => lease.ActivatedAt is null && IsNow(lease.Start, lease.CreatedAt);

    /// <summary>The end of the capacity a request holds when asked at <paramref name="now"/>: one hour more for a "now" request.</summary>
    public static DateTime ReservedEnd(LeaseRequest request, DateTime now) => IsNow(request.Start, now) ? request.End + Hour : request.End;

    /// <summary>Where the lease's allocations end: a pending "now" lease holds the hour after its end; a shifted one up to the hour its end falls in.</summary>
    public static DateTime ReservedEnd(Lease lease) => Pending(lease) ? lease.End + Hour : CancellationPolicy.CeilHour(lease.End);

    /// <summary>
    /// At activation (<paramref name="now"/>): a "now" lease's window moves to start at the next whole minute and keeps its
    /// length, within its reservation; allocations reaching past the hour its new end falls in give that hour back.
    /// Returns false for any other lease (it keeps its window).
    /// </summary>
    public static bool Shift(Lease lease, DateTime now)
    {
        if (!Pending(lease)) return false;
        var reservedEnd = ReservedEnd(lease);
        var length = lease.End - lease.Start;
        var start = CeilMinute(now);
        var end = start + length < reservedEnd ? start + length : reservedEnd;
        if (start >= end) return false; // past its reservation: the sweep ends it as before
        // Signed extensions move with the window; they keep their length.
        var shift = end - lease.End;
        foreach (var a in lease.Amendments.Where(a => a.State == AmendmentState.Signed))
            (a.OldEnd, a.NewEnd) = (Min(a.OldEnd + shift, end), Min(a.NewEnd + shift, end));
        (lease.Start, lease.End) = (start, end);
        var hour = CancellationPolicy.CeilHour(end);
        foreach (var a in lease.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.End > hour && a.Start < hour))
            a.End = hour; // a lease activated at the top of the hour does not keep the spare hour
        return true;
    }

    public static DateTime CeilMinute(DateTime t)
    {
        var floor = new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        return floor == t ? floor : floor.AddMinutes(1);
    }

    static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
