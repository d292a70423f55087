using System.Globalization;

namespace Portal.Benchmarks;

/// <summary>
/// CPU time of a local PostgreSQL server's processes working for one database (Linux /proc): its backends, whose process
/// title names the database (<c>postgres: user database host(port) state</c>), autovacuum workers on it included, plus
/// the server's shared WAL writer. Unlike the whole machine's busy time it leaves out whatever else the machine runs
/// (other databases on the same server, other programs), so it stays comparable on a loaded machine. Zero when the server
/// is not on this machine or /proc is not readable.
/// </summary>
internal sealed class PostgresBackendCpu(string database)
{
    private readonly Dictionary<int, long> atStart = [];

    /// <summary>Remembers every matching process's CPU so far; processes started later count from zero.</summary>
    public void Start()
    {
        atStart.Clear();
        foreach (var (pid, ticks) in Read()) atStart[pid] = ticks;
    }

    /// <summary>CPU used by the matching processes since <see cref="Start"/> (a backend that exited in between is lost).</summary>
    public TimeSpan Elapsed() =>
        TimeSpan.FromMilliseconds(Read().Sum(p => Math.Max(0, p.Ticks - atStart.GetValueOrDefault(p.Pid))) * 1000.0 / ClockTicksPerSecond);

    private const int ClockTicksPerSecond = 100; // USER_HZ on Linux

    private IEnumerable<(int Pid, long Ticks)> Read()
    {
        if (!Directory.Exists("/proc")) yield break;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string title, stat;
            try
            {
                title = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!title.StartsWith("postgres: ", StringComparison.Ordinal)) continue;
                if (!title.Contains($" {database} ", StringComparison.Ordinal) && !title.StartsWith("postgres: walwriter", StringComparison.Ordinal))
                    continue;
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // Fields after the command name in parentheses: state is field 3, utime 14 and stime 15 (1-based).
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            yield return (pid, long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture));
        }
    }
}
