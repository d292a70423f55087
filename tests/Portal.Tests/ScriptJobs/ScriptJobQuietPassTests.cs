using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// A pass follows only what changed on the pool: a running task with no new output and no samples due is not asked for its
/// logs or metrics (a busy lease's pass would otherwise cost pool calls and queries per running task), and its job is
/// left as it is; once samples are due, or when it ends, it is followed as before.
/// </summary>
public class ScriptJobQuietPassTests(SupervisorFactory factory) : IClassFixture<SupervisorFactory>
{
    private readonly SupervisorKit kit = new(factory);
    private InMemoryPoolTasks Pool => factory.Pool;

    [Fact]
    public async Task A_running_task_with_nothing_new_is_left_alone_until_its_samples_are_due_or_it_ends()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, gpusPerTask: 1);
        await kit.SweepAsync();
        Pool.StartAll();
        await kit.SweepAsync();
        var running = await kit.JobAsync(job.Id);
        Assert.Equal((Running, Running), (running.State, running.Tasks[0].State));
        var poolId = running.Tasks[0].PoolTaskId!;
        int Reads(string what) => Pool.OutputReads.Count(r => r == $"{what} {poolId}");

        var (logs, metrics) = (Reads("log"), Reads("metrics"));
        await kit.SweepAsync(); // nothing new on the pool, and the clock has not moved: no sample is due
        Assert.Equal((logs, metrics), (Reads("log"), Reads("metrics")));
        Assert.Equal(running.Version, (await kit.JobAsync(job.Id)).Version);

        factory.Clock.Advance(TimeSpan.FromSeconds(6)); // past ScriptJobs:MetricsPollSeconds (5)
        await kit.SweepAsync();
        Assert.True(Reads("metrics") > metrics);

        Pool.Exit(poolId, 0);
        await kit.SweepAsync();
        Assert.True(Reads("log") > logs); // its end is followed: the log's tail is copied before the job is final
        Assert.Equal(Succeeded, (await kit.JobAsync(job.Id)).State);
    }
}
