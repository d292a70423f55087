namespace Portal.Core.Capacity;

/// <summary>Whole-hour UTC arithmetic shared by the planner, the view and the calendar.</summary>
public static class CapacityTime
{
    /// <summary>
    /// True for a whole hour that is not local time. Unspecified is read as UTC: callers may pass
    /// parsed input without a kind (stored values already read back as UTC, see UtcDateTimeConverter).
    /// </summary>
    public static bool IsWholeUtcHour(DateTime t) =>
        t.Kind != DateTimeKind.Local && t.Ticks % TimeSpan.TicksPerHour == 0;

    /// <summary>Whole hours from <paramref name="origin"/> to <paramref name="t"/>.</summary>
    public static int HourIndex(DateTime origin, DateTime t) =>
        checked((int)((t.Ticks - origin.Ticks) / TimeSpan.TicksPerHour));

    public static DateTime AtHour(DateTime origin, int hour) =>
        DateTime.SpecifyKind(origin.AddHours(hour), DateTimeKind.Utc);

    /// <summary>True when <see cref="Validate"/> would find nothing, without building its messages (the planner's hot path).</summary>
    public static bool IsWellFormed(PlacementRequest r) =>
        !string.IsNullOrWhiteSpace(r.Region) && !string.IsNullOrWhiteSpace(r.Sku) && r.Gpus >= 1 && r.End > r.Start
        && IsWholeUtcHour(r.Start) && IsWholeUtcHour(r.End);

    /// <summary>Validation messages for a request; empty when it is well-formed.</summary>
    public static List<string> Validate(PlacementRequest r)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(r.Region)) errors.Add("Region is required.");
        if (string.IsNullOrWhiteSpace(r.Sku)) errors.Add("SKU is required.");
        if (r.Gpus < 1) errors.Add($"GPU count must be at least 1 (was {r.Gpus}).");
        if (r.End <= r.Start) errors.Add($"End ({r.End:u}) must be after start ({r.Start:u}).");
        if (!IsWholeUtcHour(r.Start)) errors.Add($"Start ({r.Start:o}) must be a whole hour in UTC.");
        if (!IsWholeUtcHour(r.End)) errors.Add($"End ({r.End:o}) must be a whole hour in UTC.");
        return errors;
    }
}
