using System.Diagnostics;

namespace Portal.Benchmarks;

/// <summary>The process's memory at one moment (idle) or at its highest during a phase (peak), in bytes.</summary>
internal readonly record struct MemoryFigures(long WorkingSet, long GcHeap)
{
    public const double MB = 1024.0 * 1024.0;

    /// <summary>An idle figure: after a full, compacting collection, so what the portal holds, not its garbage.</summary>
    public static MemoryFigures Idle()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return new(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false));
    }
}

/// <summary>
/// Watches the process's peak memory during a phase: the kernel's own high-water mark of the resident set
/// (<c>VmHWM</c>, which <c>Process.PeakWorkingSet64</c> reads; reset at the start through
/// <c>/proc/self/clear_refs</c>, so it is the phase's own peak, not the process's since it started), and the GC
/// heap (bytes in use, garbage not yet collected included) sampled every 20 ms, with the working set sampled too
/// where the kernel's mark cannot be reset.
/// </summary>
internal sealed class PeakMemoryWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private long sampledWorkingSet, sampledGcHeap;

    public bool KernelPeakWasReset { get; }

    public PeakMemoryWatch()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5"); // 5 = reset the peak resident set size (Linux 4.0+)
            KernelPeakWasReset = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        sampling = Task.Run(SampleAsync);
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            do
            {
                sampledWorkingSet = Math.Max(sampledWorkingSet, Environment.WorkingSet);
                sampledGcHeap = Math.Max(sampledGcHeap, GC.GetTotalMemory(forceFullCollection: false));
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The phase's peaks so far.</summary>
    public MemoryFigures Peak()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var workingSet = KernelPeakWasReset ? Math.Max(self.PeakWorkingSet64, sampledWorkingSet) : sampledWorkingSet;
        return new(workingSet, Math.Max(sampledGcHeap, GC.GetTotalMemory(forceFullCollection: false)));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}
