using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.ScriptJobs;

/// <summary>The portal on a fake clock whose pool runs tasks in memory (<see cref="InMemoryPoolTasks"/>); reservations are the simulator's.</summary>
public class SupervisorFactory : LeaseFactory
{
    public InMemoryPoolTasks Pool { get; }

    public SupervisorFactory() => Pool = new InMemoryPoolTasks(() => Now);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IGpuPoolDriver));
            services.Remove(real);
            services.AddTransient<IGpuPoolDriver>(sp => new InMemoryTaskPoolDriver((IGpuPoolDriver)real.ImplementationFactory!(sp), Pool));
        });
    }
}

/// <summary>Leases and jobs for the supervisor's tests: jobs are written as rows (as a launch stores them), passes run as the supervisor runs them.</summary>
public sealed class SupervisorKit(SupervisorFactory factory)
{
    private static long sequence;
    public LifecycleKit Leases { get; } = new(factory);

    /// <summary>An Active lease of <paramref name="gpus"/> GPUs from this hour, in its own tenant.</summary>
    public async Task<Lease> ActiveLeaseAsync(int gpus, int hours = 4, string region = "us-south-1", string sku = "h100-sxm-80gb")
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        return await Leases.ActiveAsync(tenantId, ownerId, new LeaseRequest(region, sku, gpus, factory.ThisHour, hours));
    }

    /// <summary>Moves the clock to the next whole hour, so a lease from this hour has all its hours ahead.</summary>
    public void ToNextHour() => factory.Clock.Advance(factory.ThisHour.AddHours(1) - factory.Now);

    public async Task<ScriptJob> AddJobAsync(Lease lease, int gpusPerTask, int tasks = 1, int priority = 0, int retries = 0,
        string? retryCodes = null, int? timeLimitMinutes = null, string name = "train")
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var job = new ScriptJob
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, Name = name, Script = "echo hello", GpusPerTask = gpusPerTask,
            TaskCount = tasks, Priority = priority, Sequence = Interlocked.Increment(ref sequence), MaxRetries = retries,
            RetryExitCodes = retryCodes, TimeLimitMinutes = timeLimitMinutes, CreatedByUserId = lease.CreatedByUserId!,
            CreatedAt = factory.Now, VariablesJson = """[{"name":"EPOCHS","value":"3"}]""",
        };
        job.Tasks.AddRange(Enumerable.Range(0, tasks).Select(i => new ScriptJobTask
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, JobId = job.Id, Index = i, Gpus = gpusPerTask,
        }));
        db.ScriptJobs.Add(job);
        await db.SaveChangesAsync();
        return job;
    }

    public Task SweepAsync() => Leases.RunAsync<ScriptJobSweep>(s => s.RunAsync());

    public async Task<ScriptJob> JobAsync(Guid id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks.OrderBy(t => t.Index)).SingleAsync(j => j.Id == id);
    }

    public async Task<int> JobNoticesAsync(Guid jobId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var link = ScriptJobNotices.Link(jobId);
        return await db.Notifications.CountAsync(n => n.Kind == ScriptJobNotices.EndedKind && n.Link == link);
    }

    /// <summary>The pool's ids of the job's tasks that are on the pool now, by task index.</summary>
    public async Task<string> PoolTaskIdAsync(Guid jobId, int index = 0) =>
        (await JobAsync(jobId)).Tasks[index].PoolTaskId ?? throw new InvalidOperationException("The task is not on the pool.");
}
