namespace Portal.Web.Capacity;

/// <summary>
/// The calendar's five shades, as GPU counts: none free, then under a quarter, a quarter, a half and three quarters or
/// more of the GPUs in service. The tiles and the legend use the same thresholds, so the legend says what a shade means.
/// </summary>
public sealed class AvailabilityLevels(int readyGpus)
{
    /// <summary>Fewest free GPUs of levels 2, 3 and 4.</summary>
    public int Quarter { get; } = Threshold(readyGpus, 1);
    public int Half { get; } = Threshold(readyGpus, 2);
    public int ThreeQuarters { get; } = Threshold(readyGpus, 3);

    public int Level(int free) =>
        free <= 0 || readyGpus <= 0 ? 0 : free >= ThreeQuarters ? 4 : free >= Half ? 3 : free >= Quarter ? 2 : 1;

    /// <summary>Each level's range of free GPUs, e.g. (2, "16–31"); levels too narrow to hold any count are left out.</summary>
    public IEnumerable<(int Level, string Range)> Legend()
    {
        yield return (0, "0");
        int[] from = [1, Quarter, Half, ThreeQuarters, readyGpus + 1];
        for (var level = 1; level <= 4; level++)
        {
            int low = from[level - 1], high = from[level] - 1;
            if (low > high) continue;
            yield return (level, low == high ? $"{low:N0}" : $"{low:N0}–{high:N0}");
        }
    }

    // At least 1, so that one free GPU never shares a shade with none.
    private static int Threshold(int ready, int quarters) => Math.Max(1, (ready * quarters + 3) / 4);
}
