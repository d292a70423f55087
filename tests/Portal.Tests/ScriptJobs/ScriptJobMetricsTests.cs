using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using static Portal.Core.Pool.PoolLogStream;

namespace Portal.Tests.ScriptJobs;

/// <summary>GPU samples are copied once, summarised at the job's end, and deleted with the logs after retention.</summary>
public sealed class ScriptJobMetricsTests(ScriptJobOutputFactory portal) : IClassFixture<ScriptJobOutputFactory>
{
    /// <summary>Two samples each of four GPUs: 0 and 1 busy, 2 and 3 never above 5 %.</summary>
    private PoolGpuSample[] FourGpus(DateTime at) =>
    [
        new(at, 0, 80, 40_000, 600), new(at.AddSeconds(10), 0, 100, 62_668.8, 690),
        new(at, 1, 90, 30_000, 620), new(at.AddSeconds(10), 1, 94, 50_000, 650),
        new(at, 2, 0, 500, 70), new(at.AddSeconds(10), 2, 5, 500, 71),
        new(at, 3, 2, 500, 70), new(at.AddSeconds(10), 3, 3, 500, 72),
    ];

    [Fact]
    public async Task Samples_are_copied_once_oldest_first_and_only_new_ones_after_that()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        var at = portal.Now;
        portal.Output.Sample(task.PoolTaskId!, FourGpus(at));

        await portal.CollectAsync(task.Id);
        await portal.CollectAsync(task.Id);

        await using var member = await portal.As(tenantId, ownerId);
        var metrics = member.Get<ScriptJobMetrics>();
        var kept = await metrics.ReadAsync(job.Id, null);
        Assert.Equal(8, kept!.Count);
        Assert.Equal(at.AddSeconds(10), (await portal.JobAsync(job.Id)).Tasks[0].MetricsThrough);
        Assert.True(kept.Select(s => s.At).SequenceEqual(kept.Select(s => s.At).Order()));

        portal.Output.Sample(task.PoolTaskId!, new PoolGpuSample(at.AddSeconds(20), 0, 99, 60_000, 700));
        await portal.CollectAsync(task.Id);
        Assert.Equal(9, (await metrics.ReadAsync(job.Id, null))!.Count);
        var newer = await metrics.ReadAsync(job.Id, at.AddSeconds(10));
        Assert.Equal(99, Assert.Single(newer!).GpuUtil);

        var series = (await metrics.ReadSeriesAsync(job.Id))!;
        Assert.Equal(["task 0 · GPU 0", "task 0 · GPU 1", "task 0 · GPU 2", "task 0 · GPU 3"], series.Select(s => s.Label));
        Assert.Equal([80, 100, 99], series[0].Points.Select(p => p.GpuUtil));
    }

    [Fact]
    public async Task The_summary_at_the_end_gives_mean_peak_and_idle_GPUs_and_the_pages_sentence()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        portal.Output.Sample(job.Tasks[0].PoolTaskId!, FourGpus(portal.Now));
        await portal.CollectAsync(job.Tasks[0].Id);
        await portal.UpdateJobAsync(job.Id, j =>
        {
            ScriptJobStateMachine.Move(j, ScriptJobState.Succeeded, null, portal.Now);
            j.GpuSeconds = 11_520; // 3.2 GPU-hours
        });

        await portal.SummarizeAsync(job.Id);

        var ended = await portal.JobAsync(job.Id);
        Assert.Equal(46.75, ended.MeanGpuUtil!.Value, 6); // (80+100+90+94+0+5+2+3) / 8
        Assert.Equal(62_668.8, ended.PeakFbUsedMiB!.Value, 6);
        Assert.Equal(4, ended.SampledGpus);
        Assert.Equal(2, ended.IdleGpus);
        Assert.Equal(ended.EndedAt!.Value.AddDays(30), ended.KeepUntil);
        Assert.Equal("mean utilisation 47 %, peak memory 61.2 GB, 3.2 GPU-hours; 2 of 4 GPUs were idle",
            ScriptJobMetricsSummary.Of(ended).Describe(ended.GpuSeconds));
    }

    [Fact]
    public void The_summary_sentence_reads_as_the_issue_asks()
    {
        Assert.Equal("mean utilisation 83 %, peak memory 61.2 GB, 3.2 GPU-hours; 2 of 4 GPUs were idle",
            new ScriptJobMetricsSummary(83, 62_668.8, 4, 2).Describe(11_520));
        Assert.Equal("mean utilisation 91 %, peak memory 80.0 GB, 1 GPU-hour", new ScriptJobMetricsSummary(91, 81_920, 1, 0).Describe(3600));
        Assert.Equal("no GPU metrics were recorded, 0 GPU-hours", new ScriptJobMetricsSummary(null, null, 0, 0).Describe(0));
    }

    [Fact]
    public async Task Purge_deletes_logs_and_samples_after_KeepUntil_and_not_before_and_reads_say_when()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        portal.Output.Write(task.PoolTaskId!, Stdout, "done\n");
        portal.Output.Sample(task.PoolTaskId!, FourGpus(portal.Now));
        await portal.CollectAsync(task.Id);
        await portal.UpdateJobAsync(job.Id, j => ScriptJobStateMachine.Move(j, ScriptJobState.Succeeded, null, portal.Now));
        await portal.SummarizeAsync(job.Id);
        var logsFolder = portal.Get<ScriptJobLogStore>().LogsFolder(job.Id);

        portal.Clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromHours(1));
        await RunPurgeAsync();
        Assert.Null((await portal.JobAsync(job.Id)).PurgedAt);
        Assert.Equal("done\n", portal.KeptText(job.Id, 0, Stdout));
        Assert.Equal(8, await SamplesAsync(job.Id));

        portal.Clock.Advance(TimeSpan.FromHours(2));
        await RunPurgeAsync();
        var purged = await portal.JobAsync(job.Id);
        Assert.Equal(portal.Now, purged.PurgedAt);
        Assert.False(Directory.Exists(logsFolder));
        Assert.Equal(0, await SamplesAsync(job.Id));

        await using var member = await portal.As(tenantId, ownerId);
        var read = await member.Get<ScriptJobLogs>().ReadAsync(job.Id, 0, Stdout, 0, 100);
        Assert.Empty(read!.Data);
        Assert.True(read.Complete);
        Assert.Equal($"Logs are kept 30 days after a job ends; this job's were deleted on {portal.Now:d MMMM yyyy}.", read.Note);

        // Idempotent: a second run changes nothing.
        portal.Clock.Advance(TimeSpan.FromHours(1));
        await RunPurgeAsync();
        Assert.Equal(purged.PurgedAt, (await portal.JobAsync(job.Id)).PurgedAt);
    }

    private async Task RunPurgeAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PurgeScriptJobOutputJob>().RunAsync();
    }

    private async Task<int> SamplesAsync(Guid jobId)
    {
        using var scope = portal.Services.CreateScope();
        await using var db = portal.CreateDbContext(scope);
        return await db.ScriptJobSamples.CountAsync(s => s.JobId == jobId);
    }
}
