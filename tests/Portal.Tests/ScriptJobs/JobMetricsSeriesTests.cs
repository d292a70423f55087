using Portal.Core.ScriptJobs;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>What the job page's chart shows of a job's GPU samples: lines per GPU, the window, and the caption's words.</summary>
public sealed class JobMetricsSeriesTests
{
    private static readonly DateTime T0 = new(2026, 12, 7, 10, 0, 0, DateTimeKind.Utc);

    private static ScriptJobSample Sample(int seconds, int gpu, double util, int task = 0) =>
        new() { At = T0.AddSeconds(seconds), TaskIndex = task, GpuIndex = gpu, GpuUtil = util, FbUsedMiB = 2048, PowerUsageWatts = 300 };

    [Fact]
    public void A_short_run_is_captioned_in_seconds_not_a_fraction_of_a_minute()
    {
        var (gpus, labels) = JobMetricsSeries.Build([Sample(0, 0, 50), Sample(10, 0, 60), Sample(20, 0, 70)]);
        Assert.Equal("Every 10 s, the last 30 s; 1 GPU.", JobMetricsSeries.Caption(gpus, labels.Length));
    }

    [Fact]
    public void A_long_run_keeps_only_the_last_thirty_minutes()
    {
        var samples = Enumerable.Range(0, 360).Select(i => Sample(i * 10, 0, i % 100)).ToList(); // an hour
        JobMetricsSeries.Trim(samples);
        var (gpus, labels) = JobMetricsSeries.Build(samples);
        Assert.Equal(181, labels.Length);
        Assert.Equal(T0.AddSeconds(1790), samples.Min(s => s.At));
        Assert.StartsWith("Every 10 s, the last 30 minutes;", JobMetricsSeries.Caption(gpus, labels.Length));
    }

    [Fact]
    public void A_missed_sample_repeats_the_gpus_last_value_and_each_gpu_is_its_own_line()
    {
        var (gpus, _) = JobMetricsSeries.Build([Sample(0, 0, 40), Sample(20, 0, 80), Sample(0, 1, 10), Sample(10, 1, 20), Sample(20, 1, 30)]);
        Assert.Equal(["task 0 · GPU 0", "task 0 · GPU 1"], gpus.Select(g => g.Name));
        Assert.Equal([40.0, 40, 80], gpus[0].Util);
        Assert.Equal([2.0, 2, 2], gpus[1].MemoryGb);
    }

    [Fact]
    public void A_big_sweep_shows_its_first_sixteen_gpus_and_says_so()
    {
        var samples = Enumerable.Range(0, 5).SelectMany(task => Enumerable.Range(0, 4).Select(gpu => Sample(0, gpu, 90, task))).ToList();
        var (gpus, labels) = JobMetricsSeries.Build(samples);
        Assert.Equal(16, gpus.Count);
        Assert.EndsWith("16 GPUs (the first 16 shown).", JobMetricsSeries.Caption(gpus, labels.Length));
    }
}
