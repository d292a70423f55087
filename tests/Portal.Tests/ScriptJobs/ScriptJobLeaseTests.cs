using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Tests.ScriptJobs;

/// <summary>Jobs and their lease's life: a Scheduled lease's jobs wait, the lease's end stops them, the queue says why a job waits.</summary>
public class ScriptJobLeaseTests(SupervisorFactory factory) : IClassFixture<SupervisorFactory>
{
    private readonly SupervisorKit kit = new(factory);
    private InMemoryPoolTasks Pool => factory.Pool;

    [Fact]
    public async Task Before_the_lease_ends_running_tasks_get_sigterm_with_the_time_left_and_end_as_lease_ended()
    {
        kit.ToNextHour();
        var lease = await kit.ActiveLeaseAsync(2, hours: 1);
        var running = await kit.AddJobAsync(lease, 2);
        await kit.SweepAsync();
        var queued = await kit.AddJobAsync(lease, 1);
        await kit.SweepAsync();
        Assert.Equal(Queued, (await kit.JobAsync(queued.Id)).State); // the lease's 2 GPUs are busy

        factory.Clock.Advance(lease.End - factory.Now - TimeSpan.FromMinutes(4)); // inside the 5-minute grace
        var signalledAt = factory.Now;
        await kit.SweepAsync();
        var id = await kit.PoolTaskIdAsync(running.Id);
        var sigterm = Assert.Single(Pool.Cancels, c => c.TaskId == id);
        Assert.Equal((TimeSpan.FromMinutes(4), lease.End), (sigterm.Grace, sigterm.KillAt));
        var reason = $"Stopped at the lease's end: SIGTERM at {signalledAt:HH:mm} UTC";
        var stopped = await kit.JobAsync(queued.Id);
        Assert.Equal((LeaseEnded, reason), (stopped.State, stopped.Reason));
        var signalled = await kit.JobAsync(running.Id);
        Assert.Equal((Running, signalledAt), (signalled.State, signalled.LeaseEndSignalledAt));

        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        await kit.SweepAsync(); // asked again while it runs, SIGKILL still at the lease's end
        Assert.All(Pool.Cancels.Where(c => c.TaskId == id), c => Assert.Equal(lease.End, c.KillAt));
        Assert.Equal(Running, (await kit.JobAsync(running.Id)).State);

        factory.Clock.Advance(TimeSpan.FromMinutes(3));
        Pool.KillSignalled(); // SIGKILL at the lease's end
        await kit.SweepAsync();
        var ended = await kit.JobAsync(running.Id);
        Assert.Equal((LeaseEnded, reason), (ended.State, ended.Reason));
        Assert.Equal(2L * (lease.End - lease.Start).TotalSeconds, ended.GpuSeconds);
        Assert.Equal(1, await kit.JobNoticesAsync(running.Id));
    }

    [Fact]
    public async Task A_scheduled_lease_s_job_waits_for_the_lease_and_starts_when_it_is_active()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(6);
        var lease = await kit.Leases.SignedAsync(tenantId, ownerId, new LeaseRequest("us-south-1", "h100-sxm-80gb", 4, start, 2));
        var job = await kit.AddJobAsync(lease, 4);
        await kit.SweepAsync();
        Assert.Equal(Queued, (await kit.JobAsync(job.Id)).State);
        Assert.DoesNotContain(Pool.Submits, s => s.Environment["PORTAL_JOB_ID"] == job.Id.ToString());
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var wait = await member.Get<ScriptJobQueue>().DescribeWaitAsync(job.Id);
            Assert.Equal($"waiting for the lease to start at {start:yyyy-MM-dd HH:mm} UTC", wait?.Text);
        }

        factory.Clock.Advance(start - factory.Now - new LeaseOptions().ProvisionLead);
        await kit.Leases.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id));
        await kit.SweepAsync();
        var running = await kit.JobAsync(job.Id);
        Assert.Equal(Running, running.State);
        Assert.Contains((await kit.Leases.LoadAsync(lease.Id)).Allocations, a => a.Id == running.Tasks[0].ReservationId);
    }

    [Fact]
    public async Task A_queued_job_says_what_it_waits_for_and_its_place_and_another_tenant_sees_nothing()
    {
        var lease = await kit.ActiveLeaseAsync(4);
        await kit.AddJobAsync(lease, 2);
        await kit.SweepAsync();
        var big = await kit.AddJobAsync(lease, 4);
        var small = await kit.AddJobAsync(lease, 1);
        await kit.SweepAsync(); // 2 GPUs free: the 4-GPU job waits, and the 1-GPU job behind it
        Assert.Equal((Queued, Queued), ((await kit.JobAsync(big.Id)).State, (await kit.JobAsync(small.Id)).State));

        await using (var member = await factory.As(lease.TenantId, lease.CreatedByUserId!))
        {
            var queue = member.Get<ScriptJobQueue>();
            Assert.Equal("waiting for 4 GPUs; 2 free in this lease; 1st in line", (await queue.DescribeWaitAsync(big.Id))?.Text);
            Assert.Equal("waiting for 1 GPU; 2 free in this lease; 2nd in line", (await queue.DescribeWaitAsync(small.Id))?.Text);
        }
        var (rivalId, rivalOwnerId) = await factory.NewTenantAsync();
        await using var rival = await factory.As(rivalId, rivalOwnerId);
        Assert.Null(await rival.Get<ScriptJobQueue>().DescribeWaitAsync(big.Id));
    }

    [Fact]
    public async Task An_early_release_stops_the_lease_s_jobs()
    {
        var lease = await kit.ActiveLeaseAsync(2);
        var job = await kit.AddJobAsync(lease, 2);
        var waiting = await kit.AddJobAsync(lease, 2);
        await kit.SweepAsync();
        await using (var member = await factory.As(lease.TenantId, lease.CreatedByUserId!))
            await member.Cancelling.ReleaseAsync(lease.Id);
        await kit.SweepAsync();
        var id = await kit.PoolTaskIdAsync(job.Id);
        Assert.Equal(TimeSpan.FromSeconds(new ScriptJobOptions().CancelGraceSeconds), Pool.Cancels.First(c => c.TaskId == id).Grace);
        Assert.Equal(LeaseEnded, (await kit.JobAsync(waiting.Id)).State);
        Pool.KillSignalled();
        await kit.SweepAsync();
        Assert.Equal(LeaseEnded, (await kit.JobAsync(job.Id)).State);
        Assert.DoesNotContain(Pool.Submits, s => s.Environment["PORTAL_JOB_ID"] == waiting.Id.ToString());
    }
}
