using System.Globalization;
using System.Text.RegularExpressions;

namespace GpuPool.Simulator.Tasks;

/// <summary>The named load profiles a task may ask for (the spec's <c>profile</c>).</summary>
public static class TaskProfiles
{
    public const string Busy = "busy";
    public const string Idle = "idle";
    public const string OutOfMemory = "oom";

    public static readonly string[] All = [Busy, Idle, OutOfMemory];
}

/// <summary>
/// Plausible GPU readings for a task, computed from its profile and the sample's number (so a restarted pool carries on
/// the same series): a short setup phase near idle, then busy, memory rising to a plateau under the GPU's memory.
/// "oom" climbs to the GPU's memory; that sample is the task's last (the pool kills it as CUDA would fail it).
/// </summary>
public static partial class TaskMetrics
{
    const int SetupSamples = 2;

    /// <summary>The readings of sample <paramref name="n"/>; <c>OutOfMemory</c> when the profile just ran out of GPU memory.</summary>
    public static (GpuSample[] Samples, bool OutOfMemory) Take(TaskRecord task, int n, DateTime at)
    {
        var total = MemoryMiB(task.Sku);
        var (idlePower, maxPower) = Power(task.Sku);
        var samples = new List<GpuSample>();
        var outOfMemory = false;
        foreach (var gpu in task.GpuIndexes)
        {
            var jitter = Jitter(task.TaskId, gpu, n);
            double util, memory;
            if (task.Profile == TaskProfiles.Idle || n < SetupSamples)
            {
                // Idle stays under 1 %: rounding jitter near 1 to one decimal read 1.0, which the idle profile must never show.
                util = task.Profile == TaskProfiles.Idle ? Math.Round(0.9 * jitter, 1) : Math.Round(2 + 4 * jitter, 1);
                memory = Math.Round(400 + 200 * jitter);
            }
            else if (task.Profile == TaskProfiles.OutOfMemory)
            {
                util = Math.Round(88 + 10 * jitter, 1);
                memory = Math.Min(total, Math.Round(total * (n - SetupSamples + 1) / 3.0));
                outOfMemory |= memory >= total;
            }
            else
            {
                util = Math.Round(85 + 14 * jitter, 1);
                var rise = Math.Min(1.0, (n - SetupSamples + 1) / 4.0);
                memory = Math.Round(total * (0.05 + 0.77 * rise) * (0.98 + 0.02 * jitter));
            }
            var power = Math.Round(idlePower + (maxPower - idlePower) * util / 100 * (0.95 + 0.05 * jitter), 1);
            samples.Add(new GpuSample(at, gpu, util, memory, power));
        }
        return ([.. samples], outOfMemory);
    }

    /// <summary>What nvidia-smi shows before the first sample.</summary>
    public static GpuSample[] Idle(TaskRecord task) =>
        [.. task.GpuIndexes.Select(gpu => new GpuSample(DateTime.UtcNow, gpu, 0, 0, Power(task.Sku).Idle))];

    /// <summary>The live readings for the nvidia-smi stand-in: "index util memoryMiB totalMiB watts" per line.</summary>
    public static void WriteReadings(TaskFolder folder, TaskRecord task, IEnumerable<GpuSample> samples) =>
        TaskFolder.WriteAtomically(folder.GpuReadings, string.Concat(samples.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.GpuIndex} {s.GpuUtil:0} {s.FbUsedMiB:0} {MemoryMiB(task.Sku):0} {s.PowerUsageWatts:0}\n"))));

    /// <summary>The GPU's memory from the SKU id ("h100-sxm-80gb" is 80 GB); 80 GB when the id does not say.</summary>
    public static double MemoryMiB(string sku) =>
        (MemoryPattern().Match(sku) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 80) * 1024.0;

    static (double Idle, double Max) Power(string sku) => sku.Split('-')[0].ToLowerInvariant() switch
    {
        "b200" => (140, 1000), "h200" or "h100" => (90, 700), "a100" => (60, 400), "l40s" => (40, 350), _ => (60, 500),
    };

    /// <summary>A repeatable number in [0, 1) for a task's GPU and sample.</summary>
    static double Jitter(string taskId, int gpu, int n)
    {
        var hash = 2166136261u;
        foreach (var c in $"{taskId}/{gpu}/{n}") hash = (hash ^ c) * 16777619u;
        return (hash % 10_000) / 10_000.0;
    }

    [GeneratedRegex(@"(\d+)gb", RegexOptions.IgnoreCase)]
    private static partial Regex MemoryPattern();
}
