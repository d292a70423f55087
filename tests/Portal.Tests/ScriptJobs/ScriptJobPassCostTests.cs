using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;
using Xunit.Abstractions;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// What one pass of the queue costs per job (issue 14's queue overhead): the pool is asked for the tasks it still runs, not
/// for every ended task it keeps until log retention, and a pass that ends jobs and starts the next ones runs a bounded
/// number of SQL commands per job.
/// </summary>
public class ScriptJobPassCostTests(SupervisorFactory factory, ITestOutputHelper output) : IClassFixture<SupervisorFactory>
{
    /// <summary>
    /// SQL commands a pass may run per job it ends or starts: 6.8 measured (2026-12-07); 4.9 once an ended job's metrics summary
    /// and KeepUntil went into the save that ends it (a job without samples needs no query for them) instead of a read, a
    /// grouped read and an update after it, and a pass read the members who hear of a tenant's job ends once, not per job.
    /// </summary>
    private const double MaxCommandsPerJob = 5.0;

    private readonly SupervisorKit kit = new(factory);
    private InMemoryPoolTasks Pool => factory.Pool;

    [Fact]
    public async Task A_pass_never_lists_the_pools_ended_tasks_and_asks_for_a_task_that_ended_by_its_id()
    {
        var lease = await kit.ActiveLeaseAsync(1);
        var first = await kit.AddJobAsync(lease, gpusPerTask: 1);
        var second = await kit.AddJobAsync(lease, gpusPerTask: 1);
        await kit.SweepAsync();
        Pool.Exit(await kit.PoolTaskIdAsync(first.Id), 0);
        await kit.SweepAsync(); // the first ends (asked for by id), the second starts
        Pool.Exit(await kit.PoolTaskIdAsync(second.Id), 3);
        await kit.SweepAsync();

        Assert.Equal((Succeeded, Failed), ((await kit.JobAsync(first.Id)).State, (await kit.JobAsync(second.Id)).State));
        Assert.DoesNotContain("all", Pool.Lists);
        Assert.Contains("statuses", Pool.Lists);
    }

    /// <summary>
    /// The pool's view before a pass decides is one call however many tasks ended (3.6 pool calls per job before, one of
    /// them per ended task, on the way from a task's end to the next one's start).
    /// </summary>
    [Fact]
    public async Task A_pass_after_four_tasks_ended_asks_the_pool_once_for_its_tasks_and_for_none_alone()
    {
        var lease = await kit.ActiveLeaseAsync(4);
        var jobs = new List<Guid>();
        for (var i = 0; i < 6; i++) jobs.Add((await kit.AddJobAsync(lease, gpusPerTask: 1, name: $"job {i}")).Id);
        await kit.SweepAsync(); // the first four start
        foreach (var id in jobs.Take(4)) Pool.Exit(await kit.PoolTaskIdAsync(id), 0);
        Pool.Lists.Clear();
        Pool.TaskReads.Clear();
        try
        {
            await kit.SweepAsync(); // ends the four and starts the other two

            Assert.Equal([Succeeded, Succeeded, Succeeded, Succeeded, Running, Running], await StatesAsync(jobs));
            Assert.Equal(["statuses"], Pool.Lists);
            Assert.Empty(Pool.TaskReads);
        }
        finally
        {
            // Nothing left open for the other tests' passes (they count this class's commands), even when this one failed.
            for (var round = 0; round < 2; round++) // a pass that failed leaves the last two to start: they end in the second round
            {
                foreach (var t in Pool.Live()) Pool.Exit(t.TaskId, 0);
                await kit.SweepAsync();
            }
        }
    }

    private async Task<List<Core.ScriptJobs.ScriptJobState>> StatesAsync(IEnumerable<Guid> jobs)
    {
        var states = new List<Core.ScriptJobs.ScriptJobState>();
        foreach (var id in jobs) states.Add((await kit.JobAsync(id)).State);
        return states;
    }

    [Fact]
    public async Task A_pass_that_ends_four_jobs_and_starts_four_runs_a_bounded_number_of_commands_per_job()
    {
        var lease = await kit.ActiveLeaseAsync(4);
        var jobs = new List<Guid>();
        for (var i = 0; i < 8; i++) jobs.Add((await kit.AddJobAsync(lease, gpusPerTask: 1, name: $"job {i}")).Id);
        await kit.SweepAsync(); // the first four start
        var running = new List<string>();
        foreach (var id in jobs.Take(4)) running.Add(await kit.PoolTaskIdAsync(id));
        foreach (var id in running) Pool.Exit(id, 0);

        using var counter = new SqlCommandCounter(ConnectionString());
        await kit.SweepAsync(); // ends the four and starts the next four
        var commands = counter.Count;

        var states = new List<Core.ScriptJobs.ScriptJobState>();
        foreach (var id in jobs) states.Add((await kit.JobAsync(id)).State);
        Assert.Equal([Succeeded, Succeeded, Succeeded, Succeeded, Running, Running, Running, Running], states);
        output.WriteLine($"{commands} commands for 8 jobs: {commands / 8.0:0.0} per job");
        Assert.InRange(commands / 8.0, 0.1, MaxCommandsPerJob);
        var ended = await kit.JobAsync(jobs[0]);
        Assert.Equal(ended.EndedAt!.Value.AddDays(30), ended.KeepUntil); // summarised in the same save: kept as long as the retention says
        Assert.Equal((0, 0, null), (ended.SampledGpus, ended.IdleGpus, ended.MeanGpuUtil));
    }

    [Fact]
    public async Task An_ended_task_the_pool_took_no_sample_of_is_not_asked_for_metrics_and_one_it_sampled_is()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var shortJob = await kit.AddJobAsync(lease, gpusPerTask: 1, name: "short");
        var longJob = await kit.AddJobAsync(lease, gpusPerTask: 1, name: "long");
        await kit.SweepAsync();
        var (unsampled, sampled) = (await kit.PoolTaskIdAsync(shortJob.Id), await kit.PoolTaskIdAsync(longJob.Id));
        Pool.Sampled(unsampled, 0);
        Pool.Sampled(sampled, 3);
        Pool.Exit(unsampled, 0);
        Pool.Exit(sampled, 0);

        await kit.SweepAsync();

        Assert.Equal((Succeeded, Succeeded), ((await kit.JobAsync(shortJob.Id)).State, (await kit.JobAsync(longJob.Id)).State));
        Assert.DoesNotContain("metrics " + unsampled, Pool.OutputReads);
        Assert.Contains("metrics " + sampled, Pool.OutputReads);
    }

    private string ConnectionString()
    {
        using var scope = factory.Services.CreateScope();
        using var db = factory.CreateDbContext(scope);
        return db.Database.GetConnectionString()!;
    }
}
