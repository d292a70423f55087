using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Tests.ScriptJobs;

/// <summary>The supervisor's pass against a pool in memory: jobs start, run and end with their true outcome, once.</summary>
public class ScriptJobSweepTests(SupervisorFactory factory) : IClassFixture<SupervisorFactory>
{
    private readonly SupervisorKit kit = new(factory);
    private InMemoryPoolTasks Pool => factory.Pool;

    [Fact]
    public async Task A_job_goes_from_queued_through_starting_and_running_to_succeeded_and_its_members_hear_once()
    {
        var lease = await kit.ActiveLeaseAsync(4);
        var job = await kit.AddJobAsync(lease, gpusPerTask: 2);
        Pool.HoldStarting = true;
        try { await kit.SweepAsync(); }
        finally { Pool.HoldStarting = false; }

        var starting = await kit.JobAsync(job.Id);
        Assert.Equal(Starting, starting.State);
        var task = Assert.Single(starting.Tasks);
        Assert.Equal((Starting, $"{task.Id:N}-1"), (task.State, task.PoolTaskId));
        var spec = Assert.Single(Pool.Submits, s => s.TaskId == task.PoolTaskId);
        Assert.Equal((2, task.NodeId, task.ReservationId), (spec.Gpus, spec.NodeId, (Guid?)spec.ReservationId));
        Assert.Contains(lease.Allocations, a => a.Id == spec.ReservationId && a.NodeId == spec.NodeId);
        Assert.Equal("3", spec.Environment["EPOCHS"]);
        Assert.Equal(("0", "1", "1"), (spec.Environment["PORTAL_TASK_INDEX"], spec.Environment["PORTAL_TASK_COUNT"], spec.Environment["PORTAL_ATTEMPT"]));
        Assert.Equal((job.Id.ToString(), lease.Id.ToString()), (spec.Environment["PORTAL_JOB_ID"], spec.Environment["PORTAL_LEASE_ID"]));
        Assert.Equal((int)(lease.End - factory.Now).TotalSeconds, spec.TimeLimitSeconds); // no limit of its own: until the lease ends

        Pool.StartAll();
        var startedAt = factory.Now;
        await kit.SweepAsync();
        var running = await kit.JobAsync(job.Id);
        Assert.Equal((Running, Running), (running.State, running.Tasks[0].State));
        Assert.Equal(startedAt, running.Tasks[0].StartedAt);

        factory.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2 * 600, ScriptJobUsage.GpuSecondsSoFar(running.Tasks[0], factory.Now));
        Pool.Exit(task.PoolTaskId!, 0);
        await kit.SweepAsync();
        var done = await kit.JobAsync(job.Id);
        Assert.Equal((Succeeded, "Exited with code 0"), (done.State, done.Reason));
        Assert.Equal((2L * 600, 2L * 600), (done.GpuSeconds, done.Tasks[0].GpuSeconds));
        Assert.Equal(factory.Now, done.EndedAt);
        Assert.Equal(1, await kit.JobNoticesAsync(job.Id));

        await kit.SweepAsync(); // a second pass changes nothing twice
        var again = await kit.JobAsync(job.Id);
        Assert.Equal((done.Version, done.Tasks[0].Version), (again.Version, again.Tasks[0].Version));
        Assert.Equal(1, await kit.JobNoticesAsync(job.Id));
        Assert.Single(Pool.Submits, s => s.TaskId.StartsWith(task.Id.ToString("N")));
    }

    [Fact]
    public async Task A_task_that_exits_with_code_3_fails_the_job_with_that_code_and_no_retry()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 1);
        await kit.SweepAsync();
        Pool.Exit(await kit.PoolTaskIdAsync(job.Id), 3);
        await kit.SweepAsync();
        var failed = await kit.JobAsync(job.Id);
        Assert.Equal((Failed, "Exited with code 3", 3), (failed.State, failed.Reason, failed.ExitCode));
        Assert.Equal(1, failed.Tasks[0].Attempt);
        Assert.Equal(1, await kit.JobNoticesAsync(job.Id));
    }

    [Fact]
    public async Task Only_the_listed_exit_codes_are_retried_and_each_attempt_has_its_own_pool_id()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 1, retries: 3, retryCodes: "75,76");
        await kit.SweepAsync();
        var first = await kit.PoolTaskIdAsync(job.Id);
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        Pool.Exit(first, 75);
        await kit.SweepAsync(); // ends attempt 1, queues attempt 2 and starts it in the same pass
        var retried = await kit.JobAsync(job.Id);
        Assert.Equal((Running, 2), (retried.Tasks[0].State, retried.Tasks[0].Attempt));
        Assert.EndsWith("-2", retried.Tasks[0].PoolTaskId);
        Assert.Equal(60, retried.Tasks[0].GpuSeconds); // attempt 1's minute is kept
        Assert.Equal(0, await kit.JobNoticesAsync(job.Id));

        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        Pool.Exit(retried.Tasks[0].PoolTaskId!, 3); // not a listed code: no retry though attempts are left
        await kit.SweepAsync();
        var failed = await kit.JobAsync(job.Id);
        Assert.Equal((Failed, "Exited with code 3", 2), (failed.State, failed.Reason, failed.Tasks[0].Attempt));
        Assert.Equal(120, failed.GpuSeconds);
    }

    [Fact]
    public async Task A_failed_node_with_retries_left_runs_the_task_again_on_another_reservation_of_the_lease()
    {
        var lease = await kit.ActiveLeaseAsync(12); // 8 GPUs a node: at least two nodes
        var job = await kit.AddJobAsync(lease, 4, retries: 1);
        await kit.SweepAsync();
        var first = (await kit.JobAsync(job.Id)).Tasks[0];
        Pool.FailNode(first.NodeId!);
        await kit.SweepAsync();
        var retried = (await kit.JobAsync(job.Id)).Tasks[0];
        Assert.Equal((Running, 2), (retried.State, retried.Attempt));
        Assert.NotEqual(first.NodeId, retried.NodeId);
        Assert.Contains(lease.Allocations, a => a.Id == retried.ReservationId);

        Pool.FailNode(retried.NodeId!);
        await kit.SweepAsync();
        var failed = await kit.JobAsync(job.Id);
        Assert.Equal((NodeFailed, $"Node {retried.NodeId} failed; no retries left"), (failed.State, failed.Reason));
    }

    [Fact]
    public async Task A_task_past_its_own_time_limit_times_out()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 1, timeLimitMinutes: 30);
        await kit.SweepAsync();
        var id = await kit.PoolTaskIdAsync(job.Id);
        Assert.Equal(1800, Assert.Single(Pool.Submits, s => s.TaskId == id).TimeLimitSeconds);
        factory.Clock.Advance(TimeSpan.FromMinutes(30));
        Pool.End(id, PoolTaskState.TimedOut, null);
        await kit.SweepAsync();
        var timedOut = await kit.JobAsync(job.Id);
        Assert.Equal((TimedOut, "Ran past its time limit of 30 min"), (timedOut.State, timedOut.Reason));
        Assert.Equal(1800, timedOut.GpuSeconds);
    }

    [Fact]
    public async Task A_crash_between_recording_starting_and_the_submit_submits_the_same_task_id_once()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 2);
        Pool.ThrowOnNextSubmit = true; // the submit never reaches the pool
        await kit.SweepAsync();
        var recorded = (await kit.JobAsync(job.Id)).Tasks[0];
        Assert.Equal(Starting, recorded.State);
        Assert.Null(Pool.Get(recorded.PoolTaskId!));

        await kit.SweepAsync(); // a new pass (or a restarted process) finds it Starting and unknown to the pool
        await kit.SweepAsync();
        Assert.Single(Pool.Submits, s => s.TaskId == recorded.PoolTaskId);
        Assert.Single(Pool.List(), t => t.TaskId.StartsWith(recorded.Id.ToString("N")));
        Assert.Equal(Running, (await kit.JobAsync(job.Id)).Tasks[0].State);
    }

    [Fact]
    public async Task Two_passes_at_once_start_each_task_once_and_end_each_job_with_one_notice()
    {
        var lease = await kit.ActiveLeaseAsync(4);
        var jobs = new List<ScriptJob>();
        for (var i = 0; i < 6; i++) jobs.Add(await kit.AddJobAsync(lease, 1));
        await Task.WhenAll(kit.SweepAsync(), kit.SweepAsync());
        await kit.SweepAsync();
        var mine = Pool.List().Where(t => lease.Allocations.Any(a => a.Id == t.ReservationId)).ToList();
        Assert.Equal(4, mine.Count(t => !t.IsFinal)); // never more than the lease's 4 GPUs
        Assert.Equal(mine.Count, mine.Select(t => t.TaskId).Distinct().Count());

        foreach (var t in mine) Pool.Exit(t.TaskId, 0);
        await Task.WhenAll(kit.SweepAsync(), kit.SweepAsync());
        await Task.WhenAll(kit.SweepAsync(), kit.SweepAsync());
        foreach (var t in Pool.Live().Where(t => lease.Allocations.Any(a => a.Id == t.ReservationId))) Pool.Exit(t.TaskId, 0);
        await kit.SweepAsync();
        foreach (var job in jobs)
        {
            Assert.Equal(Succeeded, (await kit.JobAsync(job.Id)).State);
            Assert.Equal(1, await kit.JobNoticesAsync(job.Id));
        }
    }

    [Fact]
    public async Task A_job_a_member_cancels_ends_cancelled_by_them_and_is_never_run_again()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 1, tasks: 2, retries: 3);
        await kit.SweepAsync();
        var ids = (await kit.JobAsync(job.Id)).Tasks.Select(t => t.PoolTaskId!).ToList();
        await using (var member = await factory.As(lease.TenantId, lease.CreatedByUserId!))
            await member.Get<ScriptJobCancelling>().CancelAsync(job.Id);
        Pool.Exit(ids[0], 143); // the first stops on SIGTERM with an exit code; the second is killed after the grace
        await kit.SweepAsync();
        Assert.Equal(Running, (await kit.JobAsync(job.Id)).State);
        Pool.KillSignalled();
        await kit.SweepAsync();
        await kit.SweepAsync();

        var cancelled = await kit.JobAsync(job.Id);
        Assert.Equal(Cancelled, cancelled.State);
        Assert.StartsWith("Cancelled by ", cancelled.Reason);
        Assert.All(cancelled.Tasks, t => Assert.Equal((Cancelled, 1), (t.State, t.Attempt))); // retries left, but none for a cancel
        Assert.Equal(2, Pool.Submits.Count(s => s.Environment["PORTAL_JOB_ID"] == job.Id.ToString()));
        Assert.Equal(1, await kit.JobNoticesAsync(job.Id));
    }
}
