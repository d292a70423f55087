using System.Globalization;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// A job's GPU samples as chart lines: one per GPU (task and GPU index), on a 10-second grid, the last 30 minutes, at
/// most <see cref="MaxGpus"/> lines so a big sweep's chart stays readable. A gap repeats the GPU's last value.
/// </summary>
public static class JobMetricsSeries
{
    public const int MaxGpus = 16;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(30);

    public sealed record Gpu(string Name, double[] Util, double[] MemoryGb);

    /// <summary>Drops samples older than the window before the newest (the component keeps only what it shows).</summary>
    public static void Trim(List<ScriptJobSample> samples)
    {
        if (samples.Count == 0) return;
        var from = samples.Max(s => s.At) - Window;
        samples.RemoveAll(s => s.At < from);
    }

    public static (List<Gpu> Gpus, string[] Labels) Build(IReadOnlyList<ScriptJobSample> samples)
    {
        if (samples.Count == 0) return ([], []);
        var first = Floor(samples.Min(s => s.At));
        var points = (int)((Floor(samples.Max(s => s.At)) - first) / Step) + 1;
        var labels = Enumerable.Range(0, points).Select(i => LabelAt(first + i * Step, i, points)).ToArray();
        var gpus = samples.GroupBy(s => (s.TaskIndex, s.GpuIndex)).OrderBy(g => g.Key.TaskIndex).ThenBy(g => g.Key.GpuIndex).Take(MaxGpus)
            .Select(g =>
            {
                var (util, memory) = (new double[points], new double[points]);
                var filled = new bool[points];
                foreach (var s in g)
                {
                    var i = (int)((Floor(s.At) - first) / Step);
                    (util[i], memory[i], filled[i]) = (s.GpuUtil, s.FbUsedMiB / 1024, true);
                }
                for (var i = 1; i < points; i++)
                    if (!filled[i]) (util[i], memory[i]) = (util[i - 1], memory[i - 1]);
                return new Gpu($"task {g.Key.TaskIndex} · GPU {g.Key.GpuIndex}", util, memory);
            }).ToList();
        return (gpus, labels);
    }

    public static string Caption(IReadOnlyList<Gpu> gpus, int points)
    {
        var shown = $"{gpus.Count} GPU{(gpus.Count == 1 ? "" : "s")}";
        var span = TimeSpan.FromTicks(Math.Min(points * Step.Ticks, Window.Ticks));
        var last = span < TimeSpan.FromMinutes(1) ? $"{span.TotalSeconds:0} s" : $"{span.TotalMinutes:0.#} minutes";
        return $"Every {Step.TotalSeconds:0} s, the last {last}; {shown}" +
               (gpus.Count == MaxGpus ? " (the first " + MaxGpus + " shown)." : ".");
    }

    /// <summary>"83 % mean utilisation, 61.2 GB peak memory, 1,200 W at 10:22:30 UTC" over the newest instant's GPUs.</summary>
    public static string Latest(IReadOnlyList<ScriptJobSample> samples)
    {
        var at = samples.Max(s => s.At);
        var now = samples.Where(s => s.At == at).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{now.Average(s => s.GpuUtil):0} % mean utilisation, {now.Max(s => s.FbUsedMiB) / 1024:0.0} GB peak memory, "
            + $"{now.Sum(s => s.PowerUsageWatts):#,0} W at {at:HH:mm:ss} UTC.");
    }

    private static DateTime Floor(DateTime t) => new(t.Ticks - t.Ticks % Step.Ticks, DateTimeKind.Utc);

    // A label every few points keeps a 30-minute axis readable on a phone.
    private static string LabelAt(DateTime t, int i, int points) =>
        i % Math.Max(1, points / 6) == 0 ? t.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "";
}
