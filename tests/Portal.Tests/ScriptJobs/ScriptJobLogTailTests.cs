using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// A job's log is all kept before the job is final, however much the task wrote just before it ended: the supervisor's
/// pass that records the end first copies the rest of the log from the pool (real simulator, real process).
/// </summary>
public class ScriptJobLogTailTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_task_that_writes_20_mb_and_ends_at_once_has_every_byte_kept_when_its_job_is_final()
    {
        var kit = new LifecycleKit(factory);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest("us-east-2", "l40s-48gb", 1, factory.ThisHour, 4));
        const int Bytes = 20 * 1024 * 1024; // more than one pass copies of a running task (16 x 1 MB per stream)
        ScriptJob job;
        await using (var member = await factory.As(tenantId, ownerId))
            job = await member.Get<ScriptJobLaunching>().LaunchAsync(lease.Id,
                new ScriptJobRequest("burst", $"head -c {Bytes} /dev/zero | tr '\\0' 'a'\necho done >&2\n", GpusPerTask: 1));

        for (var round = 0; round < 600 && !await EndedAsync(job.Id); round++)
        {
            await kit.RunAsync<ScriptJobSweep>(s => s.RunAsync());
            await Task.Delay(50);
        }

        Assert.True(await EndedAsync(job.Id), "the job did not end");
        await using var reader = await factory.As(tenantId, ownerId);
        var logs = reader.Get<ScriptJobLogs>();
        var stdout = await logs.ReadAsync(job.Id, 0, PoolLogStream.Stdout, Bytes - 10, 1024);
        Assert.NotNull(stdout);
        Assert.Equal(10, stdout.Data.Length); // the last bytes are there, and nothing after them
        Assert.True(stdout.Complete, "the kept stdout of an ended job says it is complete");
        var stderr = await logs.ReadAsync(job.Id, 0, PoolLogStream.Stderr, 0, 1024);
        Assert.Equal("done\n", System.Text.Encoding.UTF8.GetString(stderr!.Data));
    }

    private async Task<bool> EndedAsync(Guid jobId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var state = await db.ScriptJobs.IgnoreQueryFilters().Where(j => j.Id == jobId).Select(j => j.State).SingleAsync();
        return ScriptJobStateMachine.IsFinal(state);
    }
}
