using System.Globalization;

namespace Portal.Core.ScriptJobs;

/// <summary>One GPU of a job (a task's GPU index) over the whole job: what its samples add up to.</summary>
public sealed record ScriptJobGpuFigures(int TaskIndex, int GpuIndex, int Samples, double UtilSum, double PeakUtil, double PeakFbUsedMiB);

/// <summary>
/// A job's metrics summary: mean utilisation over every sample, peak memory, how many GPUs were sampled and how many
/// stayed idle (utilisation never above <see cref="IdleThresholdPercent"/>), and the sentence the job page shows.
/// </summary>
public sealed record ScriptJobMetricsSummary(double? MeanGpuUtil, double? PeakFbUsedMiB, int SampledGpus, int IdleGpus)
{
    /// <summary>A GPU whose utilisation never went above this, for the whole job, sat idle.</summary>
    public const double IdleThresholdPercent = 5;

    public static ScriptJobMetricsSummary From(IEnumerable<ScriptJobGpuFigures> gpus)
    {
        var list = gpus.Where(g => g.Samples > 0).ToList();
        if (list.Count == 0) return new(null, null, 0, 0);
        var samples = list.Sum(g => g.Samples);
        return new(list.Sum(g => g.UtilSum) / samples, list.Max(g => g.PeakFbUsedMiB), list.Count,
            list.Count(g => g.PeakUtil <= IdleThresholdPercent));
    }

    public static ScriptJobMetricsSummary FromSamples(IEnumerable<ScriptJobSample> samples) =>
        From(samples.GroupBy(s => (s.TaskIndex, s.GpuIndex)).Select(g => new ScriptJobGpuFigures(
            g.Key.TaskIndex, g.Key.GpuIndex, g.Count(), g.Sum(s => s.GpuUtil), g.Max(s => s.GpuUtil), g.Max(s => s.FbUsedMiB))));

    /// <summary>The summary as the job stores it.</summary>
    public static ScriptJobMetricsSummary Of(ScriptJob job) =>
        new(job.MeanGpuUtil, job.PeakFbUsedMiB, job.SampledGpus ?? 0, job.IdleGpus ?? 0);

    /// <summary>"mean utilisation 83 %, peak memory 61.2 GB, 3.2 GPU-hours; 2 of 4 GPUs were idle".</summary>
    public string Describe(long gpuSeconds)
    {
        var c = CultureInfo.InvariantCulture;
        var hours = gpuSeconds / 3600.0;
        var gpuHours = string.Format(c, "{0:0.#} GPU-{1}", hours, Math.Round(hours, 1) == 1 ? "hour" : "hours");
        if (SampledGpus == 0 || MeanGpuUtil is null) return "no GPU metrics were recorded, " + gpuHours;
        var text = string.Format(c, "mean utilisation {0:0} %, peak memory {1:0.0} GB, {2}", MeanGpuUtil, (PeakFbUsedMiB ?? 0) / 1024, gpuHours);
        return IdleGpus == 0 ? text
            : text + string.Format(c, "; {0} of {1} GPU{2} {3} idle", IdleGpus, SampledGpus, SampledGpus == 1 ? "" : "s", IdleGpus == 1 ? "was" : "were");
    }
}
