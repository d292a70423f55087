using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The portal on a fake clock whose pool's task logs and metrics come from <see cref="Output"/>; jobs and tasks are
/// written straight into the database (Running, already on the pool), so these tests need no launcher or supervisor.
/// </summary>
public class ScriptJobOutputFactory : LeaseFactory
{
    public FakePoolOutput Output { get; } = new();

    /// <summary>False: the embedded simulator answers for real (tasks submitted through the driver).</summary>
    protected virtual bool FakePool => true;

    /// <summary>The job log cap for this factory's portal.</summary>
    protected virtual long LogCapBytes => 100L * 1024 * 1024;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("ScriptJobs:LogCapBytes", LogCapBytes.ToString())];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (!FakePool) return;
        builder.ConfigureTestServices(services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IGpuPoolDriver));
            services.Remove(real);
            services.AddTransient<IGpuPoolDriver>(sp => new OutputPoolDriver((IGpuPoolDriver)real.ImplementationFactory!(sp), Output));
        });
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A Running job of <paramref name="tasks"/> Running tasks on a new Active lease of the tenant.</summary>
    public async Task<ScriptJob> NewJobAsync(Guid tenantId, string userId, int tasks = 1, IReadOnlyDictionary<string, string>? secrets = null,
        int maxRetries = 0, string name = "train resnet")
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope).ForTenant(tenantId);
        var lease = new Lease
        {
            TenantId = tenantId, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 8, Start = ThisHour, End = ThisHour.AddHours(24),
            State = LeaseState.Active, CreatedAt = Now, CreatedByUserId = userId,
        };
        var job = new ScriptJob
        {
            TenantId = tenantId, LeaseId = lease.Id, Name = name, Script = "echo hi", GpusPerTask = 1, TaskCount = tasks,
            MaxRetries = maxRetries, State = ScriptJobState.Running, CreatedByUserId = userId, CreatedAt = Now, StartedAt = Now,
            SecretsProtected = Get<ScriptJobSecrets>().Protect(secrets ?? new Dictionary<string, string>()),
        };
        for (var i = 0; i < tasks; i++)
        {
            var task = new ScriptJobTask { TenantId = tenantId, JobId = job.Id, LeaseId = lease.Id, Index = i, Gpus = 1, State = ScriptJobState.Running,
                StartedAt = Now };
            task.PoolTaskId = $"{task.Id:N}-1";
            job.Tasks.Add(task);
        }
        db.Leases.Add(lease);
        db.ScriptJobs.Add(job);
        await db.SaveChangesAsync();
        return job;
    }

    public async Task<ScriptJob> JobAsync(Guid jobId)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        return await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks.OrderBy(t => t.Index)).FirstAsync(j => j.Id == jobId);
    }

    /// <summary>Changes a task behind the collector's back (what the supervisor does: a final state, a new attempt).</summary>
    public async Task UpdateTaskAsync(Guid taskId, Action<ScriptJobTask> change)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        var task = await db.ScriptJobTasks.FirstAsync(t => t.Id == taskId);
        change(task);
        await db.SaveChangesAsync();
    }

    public async Task UpdateJobAsync(Guid jobId, Action<ScriptJob> change)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        var job = await db.ScriptJobs.FirstAsync(t => t.Id == jobId);
        change(job);
        await db.SaveChangesAsync();
    }

    /// <summary>What the supervisor does on each pass: collect one task, in a scope of its own and without a tenant.</summary>
    public async Task CollectAsync(Guid taskId)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ScriptJobOutputCollector>().CollectAsync(taskId);
    }

    /// <summary>What the supervisor does when a job ends.</summary>
    public async Task SummarizeAsync(Guid jobId)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ScriptJobOutputCollector>().SummarizeAsync(jobId);
    }

    /// <summary>The bytes the portal kept of a task's stream (read from its file directly).</summary>
    public byte[] Kept(Guid jobId, int taskIndex, PoolLogStream stream)
    {
        var path = Get<ScriptJobLogStore>().PathOf(jobId, taskIndex, stream);
        if (!File.Exists(path)) return [];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    public string KeptText(Guid jobId, int taskIndex, PoolLogStream stream) => System.Text.Encoding.UTF8.GetString(Kept(jobId, taskIndex, stream));
}

/// <summary>The same portal with a 1,000-byte log cap per job.</summary>
public sealed class SmallLogCapFactory : ScriptJobOutputFactory
{
    protected override long LogCapBytes => 1000;
}

/// <summary>The same portal with the embedded simulator's own task logs and metrics (sampled every 200 ms).</summary>
public sealed class SimulatorOutputFactory : ScriptJobOutputFactory
{
    protected override bool FakePool => false;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Pool:MetricsIntervalMs", "200"),
        new("ScriptJobs:MetricsPollSeconds", "0")];
}
