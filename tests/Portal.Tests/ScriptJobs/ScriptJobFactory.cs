using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The portal on a fake clock whose pool driver records the cancels it is asked for (launch and cancel never need the
/// pool otherwise). A small cap on open jobs per lease, so the cap's test stays small.
/// </summary>
public sealed class ScriptJobFactory : LeaseFactory
{
    public const int OpenJobsCap = 5;

    public ConcurrentQueue<(string TaskId, TimeSpan Grace)> PoolCancels { get; } = new();

    /// <summary>When set, the pool's cancel call fails (unreachable) after being recorded.</summary>
    public bool PoolCancelFails { get; set; }

    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> once = new();

    /// <summary>Something arranged once for every test of the class that shares this factory (a lease the validation rows reuse).</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> make) where T : notnull =>
        (T)await once.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await make())).Value;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("ScriptJobs:MaxOpenJobsPerLease", OpenJobsCap.ToString())];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IGpuPoolDriver));
            services.Remove(real);
            services.AddTransient<IGpuPoolDriver>(sp => new CancelRecordingPool((IGpuPoolDriver)real.ImplementationFactory!(sp), this));
        });
    }
}

/// <summary>What the script-job tests share: tenants with leases, members of each role, reads behind the portal's back.</summary>
public sealed class ScriptJobKit(ScriptJobFactory factory)
{
    public LifecycleKit Leases { get; } = new(factory);

    public static ScriptJobRequest Request(string name = "train", int gpus = 1) => new(name, "#!/bin/bash\necho hello\n", gpus);

    /// <summary>A new organisation with an Active lease of <paramref name="gpus"/> GPUs from this hour for 6 hours.</summary>
    public async Task<(Guid TenantId, string OwnerId, Lease Lease)> ActiveLeaseAsync(int gpus = 8, string sku = "h100-sxm-80gb", string region = "us-south-1")
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await Leases.ActiveAsync(tenantId, ownerId, new LeaseRequest(region, sku, gpus, factory.ThisHour, 6));
        return (tenantId, ownerId, lease);
    }

    /// <summary>A new organisation with a signed lease that starts in a day.</summary>
    public async Task<(Guid TenantId, string OwnerId, Lease Lease)> ScheduledLeaseAsync(int gpus = 8)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await Leases.SignedAsync(tenantId, ownerId, new LeaseRequest("us-east-2", "h100-sxm-80gb", gpus, factory.ThisHour.AddHours(24), 4));
        return (tenantId, ownerId, lease);
    }

    public async Task<string> MemberAsync(Guid tenantId, TenantRole role)
    {
        var user = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, user, role);
        return user.Id;
    }

    public async Task<ScriptJob> LaunchAsync(Guid tenantId, string userId, Guid leaseId, ScriptJobRequest request)
    {
        await using var member = await factory.As(tenantId, userId);
        return await member.Get<ScriptJobLaunching>().LaunchAsync(leaseId, request);
    }

    public async Task<ScriptJob> CancelAsync(Guid tenantId, string userId, Guid jobId)
    {
        await using var member = await factory.As(tenantId, userId);
        return await member.Get<ScriptJobCancelling>().CancelAsync(jobId);
    }

    public async Task<ScriptJob?> GetAsync(Guid tenantId, string userId, Guid jobId)
    {
        await using var member = await factory.As(tenantId, userId);
        return await member.Get<ScriptJobQueries>().GetAsync(jobId);
    }

    /// <summary>The lease's jobs with their tasks, read behind the portal's back (every column, ciphertext included).</summary>
    public async Task<List<ScriptJob>> JobsAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks.OrderBy(t => t.Index)).Where(j => j.LeaseId == leaseId)
            .OrderBy(j => j.Sequence).ToListAsync();
    }

    public async Task<List<AuditEvent>> AuditAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.AuditEvents.AsNoTracking().Where(e => e.TenantId == tenantId && e.TargetType == "ScriptJob").OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>Changes rows behind the portal's back (a lease that ended, a task the supervisor started).</summary>
    public async Task ArrangeAsync(Func<Portal.Core.Data.PortalDbContext, Task> change)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await change(db);
        await db.SaveChangesAsync();
    }

    public ScriptJobFiles Files => factory.Services.GetRequiredService<ScriptJobFiles>();

    /// <summary>Every file under the jobs' root whose path names this job, or any staged file.</summary>
    public List<string> FilesOnDisk(Guid? jobId = null) =>
        !Directory.Exists(Files.Root) ? [] : Directory.EnumerateFiles(Files.Root, "*", SearchOption.AllDirectories)
            .Where(f => jobId is null || f.StartsWith(Files.JobFolder(jobId.Value) + Path.DirectorySeparatorChar) || f.Contains(".staging")).ToList();
}

/// <summary>The real pool driver, but cancels are recorded and answered "asked" without reaching the pool.</summary>
internal sealed class CancelRecordingPool(IGpuPoolDriver inner, ScriptJobFactory factory) : IGpuPoolDriver
{
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default)
    {
        factory.PoolCancels.Enqueue((taskId, grace));
        if (factory.PoolCancelFails) throw new HttpRequestException("The pool's control API is unreachable.");
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default) => inner.ListNodesAsync(ct);
    public Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) =>
        inner.ReserveAsync(nodeId, allocationId, gpus, ct);
    public Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default) => inner.ReleaseAsync(nodeId, allocationId, ct);
    public Task<bool> SetNodeStateAsync(string nodeId, Portal.Core.Catalog.NodeState state, CancellationToken ct = default) =>
        inner.SetNodeStateAsync(nodeId, state, ct);
    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => inner.ResolveModelBaseUrl(deploymentBaseUrl);
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => inner.SubmitTaskAsync(spec, ct);
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => inner.GetTaskAsync(taskId, ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => inner.ListTasksAsync(ct);
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        inner.ReadLogAsync(taskId, stream, offset, maxBytes, ct);
    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        inner.ReadMetricsAsync(taskId, after, ct);
}
