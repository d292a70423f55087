using Portal.Core.Capacity;

namespace Portal.Core.Leases;

/// <summary>
/// A lease action refused with a message for the user; nothing was changed. <see cref="Code"/> is
/// machine-readable (API problem details carry it), <see cref="Status"/> the HTTP status it maps to.
/// </summary>
public class LeaseException(string code, string message, int status = 409) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    public static LeaseException Invalid(string message) => new("invalid_request", message, 400);
    public static LeaseException NotFound() => new("not_found", "No such lease.", 404);
    public static LeaseException Forbidden(string message) => new("forbidden", message, 403);
}

/// <summary>The capacity is not there (any more): with the nearest windows that are.</summary>
public sealed class NoCapacityException(string message, IReadOnlyList<HourWindow> earlier, IReadOnlyList<HourWindow> later)
    : LeaseException("no_capacity", message)
{
    public IReadOnlyList<HourWindow> EarlierWindows { get; } = earlier;
    public IReadOnlyList<HourWindow> LaterWindows { get; } = later;
}
