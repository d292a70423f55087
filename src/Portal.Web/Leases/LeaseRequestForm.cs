using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>
/// What the New lease form holds, and the rules that keep it one valid request while the member edits it:
/// a start within the booking horizon, a length kept when the unit changes, an hour that exists on the chosen day.
/// It starts at the smallest lease there is: 1 GPU for 1 hour, now (the page rounds GPUs up to a node where whole nodes are leased).
/// </summary>
public sealed class LeaseRequestForm(Func<DateTime> thisHour, LeaseOptions options)
{
    public string? SkuId { get; set; }
    public string? RegionId { get; set; }
    public int Gpus { get; set; } = 1;
    public bool StartNow { get; private set; } = true;
    public DateTime? StartDate { get; private set; }
    public int StartHour { get; set; }
    public int DurationValue { get; set; } = 1;
    public bool InDays { get; private set; }

    public DateTime ThisHour => thisHour();
    public DateTime LastStart => ThisHour.AddDays(options.MaxStartWeeksAhead * 7);
    public int DurationHours => InDays ? DurationValue * 24 : DurationValue;

    public DateTime Start => StartNow || StartDate is not { } d
        ? ThisHour
        : new DateTime(d.Year, d.Month, d.Day, StartHour, 0, 0, DateTimeKind.Utc);

    public LeaseRequest Request => new(RegionId ?? "", SkuId ?? "", Gpus, Start, DurationHours);

    /// <summary>Any of several GPU types of the region instead of <see cref="SkuId"/> (<see cref="FlexibleSkuChoice"/> picks one).</summary>
    public bool AnyOf { get; set; }
    public IReadOnlyCollection<string> AcceptableSkuIds { get; set; } = [];
    public int? MinGpuMemoryGb { get; set; }

    public FlexibleLeaseRequest FlexibleRequest =>
        new(RegionId ?? "", [.. AcceptableSkuIds.Order(StringComparer.Ordinal)], MinGpuMemoryGb, Gpus, Start, DurationHours);

    /// <summary>Hours of the chosen day that are in the future and within the booking horizon.</summary>
    public IEnumerable<int> Hours => Enumerable.Range(0, 24).Where(h =>
    {
        if (StartDate is not { } d) return true;
        var t = new DateTime(d.Year, d.Month, d.Day, h, 0, 0, DateTimeKind.Utc);
        return t > ThisHour && t <= LastStart;
    });

    public void SetStart(DateTime start)
    {
        StartNow = start <= ThisHour;
        StartDate = start.Date;
        StartHour = start.Hour;
    }

    /// <summary>A length in hours, shown in days when it is whole days.</summary>
    public void SetLength(int hours) => (InDays, DurationValue) = hours % 24 == 0 ? (true, hours / 24) : (false, hours);

    public void SetUnit(bool days)
    {
        // Keep the length when switching units where it divides evenly; otherwise convert what is typed.
        if (days && !InDays) DurationValue = Math.Max(1, DurationValue / 24);
        else if (!days && InDays) DurationValue *= 24;
        InDays = days;
    }

    public void SetStartNow(bool now)
    {
        StartNow = now;
        if (now || StartDate is not null) return;
        var next = ThisHour.AddHours(1);
        (StartDate, StartHour) = (next.Date, next.Hour);
    }

    public void SetDate(DateTime? date)
    {
        StartDate = date;
        var hours = Hours.ToList();
        if (hours.Count > 0 && !hours.Contains(StartHour)) StartHour = hours[0];
    }
}
