using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Portal.Benchmarks;

/// <summary>
/// CPU time of the calling thread (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID), a vDSO call of tens of ns), so
/// that placing speed does not depend on how busy the machine is; elsewhere it falls back to the wall clock.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;
    private static readonly bool Available = OperatingSystem.IsLinux() && TryNow(out _);

    /// <summary>True when <see cref="NowTicks"/> is thread CPU time rather than wall time.</summary>
    public static bool IsCpuTime => Available;

    /// <summary>Now, in <see cref="TimeSpan"/> ticks (100 ns).</summary>
    public static long NowTicks() => Available && TryNow(out var t) ? t : Stopwatch.GetElapsedTime(0).Ticks;

    private static bool TryNow(out long ticks)
    {
        ticks = 0;
        try
        {
            if (clock_gettime(ClockThreadCpuTimeId, out var ts) != 0) return false;
            ticks = ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int clock_gettime(int clockId, out Timespec time);
}
