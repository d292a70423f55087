using Portal.Core.Leases;

namespace Portal.Core.Deals;

/// <summary>Where a lease over the approval thresholds stands with Support, as the tenant, the API and Support see it.</summary>
public enum ReviewState { UnderReview, AwaitingSignature }

/// <summary>A deal's review: its state and the deadline that goes with it (Support's review, or the tenant's answer to amended terms).</summary>
public sealed record DealReview(ReviewState State, DateTime? DueAt)
{
    /// <summary>The review of a lease waiting for Support; null for any other lease.</summary>
    public static DealReview? Of(Lease lease) => lease.State != LeaseState.PendingApproval ? null
        : lease.OfferDueAt is { } offered ? new DealReview(ReviewState.AwaitingSignature, offered)
        : new DealReview(ReviewState.UnderReview, lease.ReviewDueAt);

    /// <summary>
    /// <paramref name="days"/> business days after <paramref name="from"/> (Monday to Friday, UTC; no holiday calendar):
    /// Friday 15:00 plus 2 is Tuesday 15:00. A start on a weekend counts from Monday 00:00.
    /// </summary>
    public static DateTime AddBusinessDays(DateTime from, int days)
    {
        var at = from;
        while (IsWeekend(at)) at = at.Date.AddDays(1);
        for (var added = 0; added < days;)
        {
            at = at.AddDays(1);
            if (!IsWeekend(at)) added++;
        }
        return DateTime.SpecifyKind(at, DateTimeKind.Utc);
    }

    private static bool IsWeekend(DateTime t) => t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
}
