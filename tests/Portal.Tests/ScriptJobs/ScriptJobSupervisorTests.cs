using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ScriptJobs;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Tests.ScriptJobs;

/// <summary>The portal as it runs by default: its job server, and with it the supervisor following jobs every 50 ms.</summary>
public sealed class SupervisedScriptJobFactory : SupervisorFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Jobs:RunServer", "true"), new("ScriptJobs:PollIntervalMs", "50")];
}

public class ScriptJobSupervisorTests(SupervisedScriptJobFactory factory) : IClassFixture<SupervisedScriptJobFactory>
{
    private readonly SupervisorKit kit = new(factory);

    [Fact]
    public async Task The_supervisor_starts_and_ends_jobs_with_no_one_running_a_pass_and_outlives_a_pool_outage()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 2);
        var running = await UntilAsync(job.Id, Running);
        Assert.Equal(Running, running.State);

        factory.Pool.FailLists = 3; // three passes fail; the loop logs and goes on
        factory.Pool.Exit(running.Tasks[0].PoolTaskId!, 0);
        var done = await UntilAsync(job.Id, Succeeded);
        Assert.Equal(Succeeded, done.State);
        Assert.True(factory.Pool.FailLists < 0, "the supervisor did not meet the outage");
        Assert.Equal(1, await kit.JobNoticesAsync(job.Id));
    }

    [Fact]
    public void The_backstop_sweep_is_a_minutely_recurring_job()
    {
        using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
        var sweep = Assert.Single(connection.GetRecurringJobs(), j => j.Id == ScriptJobSweepJob.RecurringId);
        Assert.Equal((Cron.Minutely(), typeof(ScriptJobSweepJob)), (sweep.Cron, sweep.Job.Type));
    }

    // Generous bound: this proves the running portal follows the job on its own, not how fast.
    private async Task<ScriptJob> UntilAsync(Guid jobId, ScriptJobState state)
    {
        var job = await kit.JobAsync(jobId);
        for (var i = 0; i < 300 && job.State != state; i++)
        {
            await Task.Delay(100);
            job = await kit.JobAsync(jobId);
        }
        return job;
    }
}
