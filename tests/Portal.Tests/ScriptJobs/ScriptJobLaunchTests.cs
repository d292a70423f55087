using Microsoft.EntityFrameworkCore;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>Launching on a lease: what is stored, on which leases, within the lease's window, once per key, in order.</summary>
public class ScriptJobLaunchTests(ScriptJobFactory factory) : IClassFixture<ScriptJobFactory>
{
    private readonly ScriptJobKit kit = new(factory);

    [Fact]
    public async Task A_launch_stores_the_job_queued_with_one_task_per_index_and_its_files()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var request = new ScriptJobRequest(" sweep lr ", "python train.py --lr $LR\n", 2, Tasks: 3,
            Variables: [new("LR", "0.01")], TimeLimitMinutes: 90, Files: [new("config.yaml", "epochs: 3\n"u8.ToArray())],
            Retries: 2, RetryExitCodes: [137, 3, 3], Priority: 5, Profile: "Busy");

        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request);

        var stored = Assert.Single(await kit.JobsAsync(lease.Id));
        Assert.Equal(job.Id, stored.Id);
        Assert.Equal((ScriptJobState.Queued, "sweep lr", 2, 3, 90), (stored.State, stored.Name, stored.GpusPerTask, stored.TaskCount, stored.TimeLimitMinutes));
        Assert.Equal((2, "3,137", 5, "busy", ownerId), (stored.MaxRetries, stored.RetryExitCodes, stored.Priority, stored.Profile, stored.CreatedByUserId));
        Assert.Equal(factory.Now, stored.CreatedAt);
        Assert.Equal([0, 1, 2], stored.Tasks.Select(t => t.Index));
        Assert.All(stored.Tasks, t => Assert.Equal((ScriptJobState.Queued, 2, lease.Id, 1), (t.State, t.Gpus, t.LeaseId, t.Attempt)));
        Assert.Equal("epochs: 3\n"u8.ToArray(), await File.ReadAllBytesAsync(Path.Combine(kit.Files.InputsFolder(job.Id), "config.yaml")));
        Assert.Equal([new InputFileEntry("config.yaml", 10)], ScriptJobFiles.ReadInputList(stored));
        Assert.DoesNotContain(kit.FilesOnDisk(), f => f.Contains(".staging"));
        var audit = Assert.Single(await kit.AuditAsync(tenantId));
        Assert.Equal(("job.launched", job.Id.ToString(), "sweep lr"), (audit.Action, audit.TargetId, audit.TargetName));
    }

    [Fact]
    public async Task A_scheduled_lease_takes_jobs_that_wait_for_its_start_and_counts_their_limit_from_it()
    {
        var (tenantId, ownerId, lease) = await kit.ScheduledLeaseAsync(); // starts in 24 h, for 4 h
        Assert.Equal(LeaseState.Scheduled, lease.State);

        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { TimeLimitMinutes = 240 });
        Assert.Equal(ScriptJobState.Queued, job.State);

        // Counted from now, 241 minutes would fit; counted from the lease's start, they run past its end.
        var refused = await Assert.ThrowsAsync<ScriptJobTimeLimitException>(() =>
            kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { TimeLimitMinutes = 241 }));
        Assert.Equal(lease.End, refused.LeaseEnd);
        Assert.Single(await kit.JobsAsync(lease.Id));
    }

    [Fact]
    public async Task A_time_limit_past_the_lease_end_is_refused_with_the_end_and_a_link_to_extend()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync(); // ends 6 h from this hour; the clock is at the hour
        Assert.Equal(factory.ThisHour, factory.Now);

        var refused = await Assert.ThrowsAsync<ScriptJobTimeLimitException>(() =>
            kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { TimeLimitMinutes = 6 * 60 + 1 }));

        Assert.Equal((400, "time_limit_past_lease_end", "TimeLimitMinutes"), (refused.Status, refused.Code, refused.Field));
        Assert.Contains(lease.End.ToString("yyyy-MM-dd HH:mm") + " UTC", refused.Message);
        Assert.Contains("extend the lease", refused.Message);
        Assert.Equal(LeaseLinks.Lease(lease.Id), refused.ExtendUrl);
        Assert.Equal(lease.End, refused.LeaseEnd);
        Assert.Empty(await kit.JobsAsync(lease.Id));

        var fits = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { TimeLimitMinutes = 6 * 60 });
        Assert.Equal(360, fits.TimeLimitMinutes);
    }

    [Fact]
    public async Task A_lease_being_provisioned_takes_jobs_like_a_scheduled_one()
    {
        var (tenantId, ownerId, lease) = await kit.ScheduledLeaseAsync();
        await kit.ArrangeAsync(db => db.Leases.Where(l => l.Id == lease.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.State, LeaseState.Provisioning)));

        // A variable the pool does not set is the job's own, even one a shell cares about.
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { Variables = [new("LD_LIBRARY_PATH", "/opt/cuda/lib64")] });

        Assert.Equal(ScriptJobState.Queued, job.State);
        Assert.Equal([new JobVariable("LD_LIBRARY_PATH", "/opt/cuda/lib64")], ScriptJobVariables.ForDisplay(job));
    }

    [Theory]
    [InlineData(LeaseState.Ended)]
    [InlineData(LeaseState.Cancelled)]
    [InlineData(LeaseState.Ending)]
    public async Task A_lease_that_is_not_active_or_scheduled_takes_no_job(LeaseState state)
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        await kit.ArrangeAsync(db => db.Leases.Where(l => l.Id == lease.Id).ExecuteUpdateAsync(s => s.SetProperty(l => l.State, state)));

        var refused = await Assert.ThrowsAsync<ScriptJobException>(() => kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request()));

        Assert.Equal((409, "lease_not_launchable"), (refused.Status, refused.Code));
        Assert.Contains($"This lease is {state}", refused.Message);
        Assert.Empty(await kit.JobsAsync(lease.Id));
    }

    [Fact]
    public async Task An_active_lease_whose_end_has_come_takes_no_job_before_the_lifecycle_ends_it()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var end = factory.Now;
        await kit.ArrangeAsync(db => db.Leases.Where(l => l.Id == lease.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Start, end.AddHours(-2)).SetProperty(l => l.End, end)));

        var refused = await Assert.ThrowsAsync<ScriptJobException>(() => kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request()));

        Assert.Equal("lease_not_launchable", refused.Code);
        Assert.Contains($"This lease ended at {end:yyyy-MM-dd HH:mm} UTC", refused.Message);
        Assert.Empty(await kit.JobsAsync(lease.Id));
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_returns_the_first_job_and_creates_nothing_more()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var request = ScriptJobKit.Request() with { IdempotencyKey = "launch-1", Files = [new("a.txt", [1])] };

        var first = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request);
        var again = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request with { Name = "a different name" });

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("train", again.Name);
        Assert.Single(await kit.JobsAsync(lease.Id));
        Assert.Single(await kit.AuditAsync(tenantId));
        Assert.Single(kit.FilesOnDisk(first.Id));
        Assert.DoesNotContain(kit.FilesOnDisk(), f => f.Contains(".staging"));
        // Another key is another job.
        var other = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request with { IdempotencyKey = "launch-2" });
        Assert.NotEqual(first.Id, other.Id);
    }

    [Fact]
    public async Task Concurrent_launches_with_one_key_make_one_job()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var request = ScriptJobKit.Request() with { IdempotencyKey = "double-click", Files = [new("in.txt", [7])] };

        var jobs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => kit.LaunchAsync(tenantId, ownerId, lease.Id, request))));

        Assert.Single(jobs.Select(j => j.Id).Distinct());
        Assert.Single(await kit.JobsAsync(lease.Id));
        Assert.Single(await kit.AuditAsync(tenantId));
        Assert.Single(kit.FilesOnDisk(jobs[0].Id));
        Assert.DoesNotContain(kit.FilesOnDisk(), f => f.Contains(".staging"));
    }

    [Fact]
    public async Task Concurrent_launches_get_strictly_increasing_submission_order_up_to_the_open_jobs_cap()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var launches = Enumerable.Range(0, ScriptJobFactory.OpenJobsCap + 3)
            .Select(i => Task.Run(async () =>
            {
                try { return await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request($"job {i}") with { Files = [new("f", [1])] }); }
                catch (ScriptJobException e) when (e.Code == "too_many_jobs") { return null; }
            }));

        var results = await Task.WhenAll(launches);

        var stored = await kit.JobsAsync(lease.Id);
        Assert.Equal(ScriptJobFactory.OpenJobsCap, stored.Count);
        Assert.Equal(3, results.Count(r => r is null));
        Assert.Equal(Enumerable.Range(1, ScriptJobFactory.OpenJobsCap).Select(i => (long)i), stored.Select(j => j.Sequence));
        // The refused launches staged their files and left none behind.
        Assert.Equal(ScriptJobFactory.OpenJobsCap, stored.Sum(j => kit.FilesOnDisk(j.Id).Count));
        Assert.DoesNotContain(kit.FilesOnDisk(), f => f.Contains(".staging"));
    }
}
