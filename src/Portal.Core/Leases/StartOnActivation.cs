namespace Portal.Core.Leases;

/// <summary>
/// A lease asked for "now" (the hour under way, quoted after that hour began) starts when it becomes Active, not at the top
/// of the hour: until then its window is [the second it was quoted, + its hours), and at activation it moves to [the
/// whole minute after activation, + its hours), so it runs and is billed (by the second) for exactly the hours signed.
/// Capacity stays in whole hours: the quote reserves from the top of the hour to the whole hour after its latest likely
/// end (quoted at, plus the hold, plus <see cref="PoolMargin"/>, plus its hours), so the window fits whenever it is signed
/// within the hold; at activation the reservation shrinks to the hour the window ends in. If it activates later than that
/// (a pool that keeps refusing, Support's approval), it ends where its reservation ends and is billed only for what it ran.
/// Nothing runs outside its reservation: no overbooking.
/// </summary>
public static class StartOnActivation
{
    /// <summary>Time allowed between signing and the pool having the nodes ready (the sweep runs every minute).</summary>
    public static readonly TimeSpan PoolMargin = TimeSpan.FromMinutes(5);

    /// <summary>A start at the hour under way, asked after that hour began: "now".</summary>
    public static bool IsNow(DateTime start, DateTime askedAt) => start == CancellationPolicy.FloorHour(askedAt) && askedAt > start;

    /// <summary>A "now" lease not active yet: its start is the moment it was quoted, never a whole hour.</summary>
    public static bool Pending(Lease lease) =>
        lease.IsOpen && lease.ActivatedAt is null && lease.Start != CancellationPolicy.FloorHour(lease.Start);

    /// <summary>The window a request asked at <paramref name="now"/> is quoted for: from the second it was asked, for a "now" request.</summary>
    public static (DateTime Start, DateTime End) QuotedWindow(LeaseRequest request, DateTime now)
    {
        if (!IsNow(request.Start, now)) return (request.Start, request.End);
        var start = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        return start == request.Start ? (request.Start, request.End) : (start, start.AddHours(request.Hours));
    }

    /// <summary>The end of the capacity a request holds when asked at <paramref name="now"/>: a "now" request's latest likely end, to the hour.</summary>
    public static DateTime ReservedEnd(LeaseRequest request, DateTime now, LeaseOptions options) =>
        IsNow(request.Start, now) ? CancellationPolicy.CeilHour(QuotedWindow(request, now).End + options.Hold + PoolMargin) : request.End;

    /// <summary>
    /// Where the lease's allocations end (an extension continues from there): the latest end of those its window uses; when
    /// they are not loaded, what the quote reserved (a held "now" lease) or the whole hour its end falls in.
    /// </summary>
    public static DateTime ReservedEnd(Lease lease)
    {
        var own = lease.Allocations.Where(a => a.Status != AllocationStatus.Released && a.Start < lease.End).Select(a => a.End).ToList();
        if (own.Count > 0) return own.Max();
        return Pending(lease) && lease.HoldExpiresAt is { } held // quoted at (held - hold): the same sum as the quote's
            ? CancellationPolicy.CeilHour(held + (lease.End - lease.Start) + PoolMargin)
            : CancellationPolicy.CeilHour(lease.End);
    }

    /// <summary>
    /// At activation (<paramref name="now"/>): a pending "now" lease's window moves to start at the next whole minute and keeps
    /// its length, within its reservation. Returns false for any other lease (it keeps its window).
    /// </summary>
    public static bool Shift(Lease lease, DateTime now)
    {
        if (!Pending(lease)) return false;
        var reservedEnd = ReservedEnd(lease);
        var start = CeilMinute(now);
        var end = start + (lease.End - lease.Start) < reservedEnd ? start + (lease.End - lease.Start) : reservedEnd;
        if (start >= end) return false; // past its reservation: the sweep ends it as before
        // Signed extensions (signed before it started) move with the window and keep their length.
        var shift = end - lease.End;
        foreach (var a in lease.Amendments.Where(a => a.State == AmendmentState.Signed))
            (a.OldEnd, a.NewEnd) = (Min(a.OldEnd + shift, end), Min(a.NewEnd + shift, end));
        (lease.Start, lease.End) = (start, end);
        // Keep only the hours the window uses: a spare hour at the end goes back to others at once.
        var hour = CancellationPolicy.CeilHour(end);
        foreach (var a in lease.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.Start < hour && a.End > hour)) a.End = hour;
        return true;
    }

    public static DateTime CeilMinute(DateTime t)
    {
        var floor = new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        return floor == t ? floor : floor.AddMinutes(1);
    }

    static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
