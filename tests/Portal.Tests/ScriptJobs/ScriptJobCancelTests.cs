using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;

namespace Portal.Tests.ScriptJobs;

/// <summary>Cancelling: queued work ends at once, running work is stopped through the pool, a job ends once.</summary>
public class ScriptJobCancelTests(ScriptJobFactory factory) : IClassFixture<ScriptJobFactory>
{
    private readonly ScriptJobKit kit = new(factory);

    [Fact]
    public async Task A_queued_job_is_cancelled_at_once_by_its_canceller()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { Tasks = 3 });
        var member = await kit.MemberAsync(tenantId, TenantRole.Member);
        var before = factory.PoolCancels.Count;

        var cancelled = await kit.CancelAsync(tenantId, member, job.Id);

        var stored = Assert.Single(await kit.JobsAsync(lease.Id));
        var email = await EmailAsync(member);
        Assert.Equal((ScriptJobState.Cancelled, $"Cancelled by {email}"), (stored.State, stored.Reason));
        Assert.Equal((member, email), (stored.CancelledByUserId, stored.CancelledByName));
        Assert.Equal(factory.Now, stored.EndedAt);
        Assert.All(stored.Tasks, t => Assert.Equal((ScriptJobState.Cancelled, $"Cancelled by {email}"), (t.State, t.Reason)));
        Assert.Equal(ScriptJobState.Cancelled, cancelled.State);
        Assert.Equal(before, factory.PoolCancels.Count); // nothing was on the pool
        var audit = await kit.AuditAsync(tenantId);
        Assert.Equal(["job.launched", "job.cancelled"], audit.Select(e => e.Action));
        Assert.Equal((member, job.Id.ToString()), (audit[1].ActorUserId, audit[1].TargetId));
    }

    [Fact]
    public async Task Cancelling_a_job_that_ended_is_refused_and_changes_nothing()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request());
        await kit.CancelAsync(tenantId, ownerId, job.Id);

        var again = await Assert.ThrowsAsync<ScriptJobException>(() => kit.CancelAsync(tenantId, ownerId, job.Id));

        Assert.Equal((409, "already_final"), (again.Status, again.Code));
        Assert.Contains("already ended: Cancelled", again.Message);
        Assert.Equal(2, (await kit.AuditAsync(tenantId)).Count);
    }

    [Fact]
    public async Task A_running_task_is_stopped_through_the_pool_and_the_job_waits_for_its_answer()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { Tasks = 2 });
        var poolTaskId = $"{job.Tasks[0].Id:N}-1";
        // As the supervisor would leave it: task 0 running on the pool, task 1 still queued.
        await kit.ArrangeAsync(async db =>
        {
            var stored = await db.ScriptJobs.FindAsync(job.Id);
            var task = await db.ScriptJobTasks.FindAsync(job.Tasks[0].Id);
            ScriptJobStateMachine.Move(task!, ScriptJobState.Starting, null, factory.Now);
            ScriptJobStateMachine.Move(task!, ScriptJobState.Running, null, factory.Now);
            task!.PoolTaskId = poolTaskId;
            ScriptJobStateMachine.Move(stored!, ScriptJobState.Running, null, factory.Now);
        });
        factory.PoolCancels.Clear();

        var cancelling = await kit.CancelAsync(tenantId, ownerId, job.Id);

        Assert.Equal(ScriptJobState.Running, cancelling.State);
        var stored = Assert.Single(await kit.JobsAsync(lease.Id));
        Assert.Equal((ScriptJobState.Running, ownerId), (stored.State, stored.CancelledByUserId));
        Assert.Equal([ScriptJobState.Running, ScriptJobState.Cancelled], stored.Tasks.Select(t => t.State));
        Assert.Equal((poolTaskId, TimeSpan.FromSeconds(new ScriptJobOptions().CancelGraceSeconds)), Assert.Single(factory.PoolCancels));

        // Asked again while the pool stops it (a double click): nothing more happens.
        var twice = await kit.CancelAsync(tenantId, ownerId, job.Id);
        Assert.Equal(ScriptJobState.Running, twice.State);
        Assert.Single(factory.PoolCancels);
        Assert.Single(await kit.AuditAsync(tenantId), e => e.Action == "job.cancelled");
    }

    [Fact]
    public async Task A_pool_that_does_not_answer_the_cancel_still_leaves_the_cancel_recorded_for_the_supervisor()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request());
        await kit.ArrangeAsync(async db =>
        {
            var task = await db.ScriptJobTasks.FindAsync(job.Tasks[0].Id);
            ScriptJobStateMachine.Move(task!, ScriptJobState.Starting, null, factory.Now);
            task!.PoolTaskId = $"{task.Id:N}-1";
            ScriptJobStateMachine.Move((await db.ScriptJobs.FindAsync(job.Id))!, ScriptJobState.Starting, null, factory.Now);
        });
        factory.PoolCancelFails = true;
        try
        {
            var cancelling = await kit.CancelAsync(tenantId, ownerId, job.Id);

            Assert.Equal((ScriptJobState.Starting, ownerId), (cancelling.State, cancelling.CancelledByUserId));
            Assert.Equal(ownerId, Assert.Single(await kit.JobsAsync(lease.Id)).CancelledByUserId);
        }
        finally
        {
            factory.PoolCancelFails = false;
        }
    }

    [Fact]
    public async Task A_job_that_is_not_there_is_not_found()
    {
        var (tenantId, ownerId, _) = await kit.ActiveLeaseAsync();
        var missing = await Assert.ThrowsAsync<ScriptJobException>(() => kit.CancelAsync(tenantId, ownerId, Guid.NewGuid()));
        Assert.Equal(404, missing.Status);
    }

    private async Task<string> EmailAsync(string userId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return db.Users.Single(u => u.Id == userId).Email!;
    }
}
