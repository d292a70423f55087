using Portal.Core.Capacity;
using Portal.Core.Refusals;

namespace Portal.Core.Leases;

/// <summary>A lease action refused (see <see cref="ActionRefusedException"/>); 409 unless said otherwise.</summary>
public class LeaseException(string code, string message, int status = 409) : ActionRefusedException(code, message, status)
{
    public static LeaseException Invalid(string message) => new("invalid_request", message, 400);
    public static LeaseException NotFound() => new("not_found", "No such lease.", 404);
    public static new LeaseException Forbidden(string message) => new("forbidden", message, 403);
}

/// <summary>The capacity is not there (any more): with the nearest windows that are.</summary>
public sealed class NoCapacityException(string message, IReadOnlyList<HourWindow> earlier, IReadOnlyList<HourWindow> later)
    : LeaseException("no_capacity", message)
{
    public IReadOnlyList<HourWindow> EarlierWindows { get; } = earlier;
    public IReadOnlyList<HourWindow> LaterWindows { get; } = later;
}
