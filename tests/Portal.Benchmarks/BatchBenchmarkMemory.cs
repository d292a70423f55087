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

/// <summary>Bytes allocated and collections by generation so far (all threads); subtract two to get a phase's.</summary>
internal readonly record struct GcActivity(long Allocated, int Gen0, int Gen1, int Gen2)
{
    public static GcActivity Now() =>
        new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public static GcActivity operator -(GcActivity a, GcActivity b) =>
        new(a.Allocated - b.Allocated, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2);
}

/// <summary>
/// Watches the process's peak memory during a phase: the kernel's own high-water mark of the resident set
/// (<c>VmHWM</c>, which <c>Process.PeakWorkingSet64</c> reads; reset at the start through
/// <c>/proc/self/clear_refs</c>, so it is the phase's own peak, not the process's since it started), and the GC
/// heap (bytes in use, garbage not yet collected included) sampled every 20 ms, with the working set sampled too
/// where the kernel's mark cannot be reset. It also follows the heap left after each collection during the phase
/// (<see cref="LiveGrowth"/>): what the phase keeps alive, as opposed to garbage awaiting collection.
/// </summary>
internal sealed class PeakMemoryWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private long sampledWorkingSet, sampledGcHeap;
    private readonly long gcIndexAtStart = GC.GetGCMemoryInfo().Index;
    private long firstAfterGc = -1, maxAfterGc;

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
                var last = GC.GetGCMemoryInfo();
                if (last.Index > gcIndexAtStart)
                {
                    if (firstAfterGc < 0) firstAfterGc = last.HeapSizeBytes;
                    maxAfterGc = Math.Max(maxAfterGc, last.HeapSizeBytes);
                }
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

    /// <summary>
    /// The most the heap left after a collection grew past the first collection of the phase (bytes; 0 when fewer
    /// than two were seen): flat when the phase holds nothing more as it goes on, whatever its length.
    /// </summary>
    public long LiveGrowth => firstAfterGc < 0 ? 0 : maxAfterGc - firstAfterGc;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}
