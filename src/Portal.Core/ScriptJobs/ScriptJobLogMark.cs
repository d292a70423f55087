using System.Globalization;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A copy's checkpoint beside a kept log file, written before each append: "the file was <see cref="Length"/> bytes
/// long when attempt <see cref="Attempt"/> of the task was copied up to <see cref="PoolOffset"/> of the pool's log".
/// When the database still says that offset, the append after it was never recorded (the collector died in between),
/// so the next collection cuts the file back to <see cref="Length"/> and copies the same bytes again: nothing twice,
/// nothing lost. <see cref="Complete"/>: the pool said this attempt's log ended there and all of it is kept.
/// </summary>
public sealed record ScriptJobLogMark(int Attempt, long PoolOffset, long Length, bool Complete)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Attempt} {PoolOffset} {Length} {(Complete ? 1 : 0)}");

    /// <summary>Null for a damaged mark (it is written by rename, so only a foreign hand damages it).</summary>
    public static ScriptJobLogMark? Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 4) return null;
        var ok = int.TryParse(parts[0], CultureInfo.InvariantCulture, out var attempt)
            & long.TryParse(parts[1], CultureInfo.InvariantCulture, out var offset)
            & long.TryParse(parts[2], CultureInfo.InvariantCulture, out var length);
        return ok ? new ScriptJobLogMark(attempt, offset, length, parts[3] == "1") : null;
    }

    /// <summary>This mark records where the database's copy of the task's stream stands now.</summary>
    public bool Matches(int attempt, long poolOffset) => Attempt == attempt && PoolOffset == poolOffset;
}
