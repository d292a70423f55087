using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// The portal in this process on the real clock, with one region on the test Slurm cluster (the others on the embedded
/// simulator), so its leases are reservations from now and its jobs really run. No job server: a test runs the jobs
/// (provisioning, the job sweep, node sync, node failure) itself, as the server would.
/// </summary>
public sealed class SlurmLiveFactory : PortalFactory
{
    public const string Region = "slurm-live", Sku = "h100-sxm-80gb";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new($"Pool:Regions:{Region}:Driver", "Slurm"), new($"Pool:Regions:{Region}:Name", "Slurm, live"),
        new($"Pool:Regions:{Region}:Slurm:Conf", SlurmCluster.Conf), new($"Pool:Regions:{Region}:Slurm:JobRoot", SlurmCluster.JobRoot),
        new($"Pool:Regions:{Region}:Slurm:Sku", Sku),
    ];

    public async Task RunAsync<TJob>(Func<TJob, Task> run) where TJob : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }

    /// <summary>A scope acting as this member (its tenant, and the audit's who and where).</summary>
    public async Task<AsyncServiceScope> AsMemberAsync(Guid tenantId, string userId)
    {
        var scope = Services.CreateAsyncScope();
        await using var db = CreateDbContext(scope);
        var membership = await db.Memberships.Include(m => m.Tenant).FirstAsync(m => m.TenantId == tenantId && m.UserId == userId);
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(userId, false, membership);
        var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
        (origin.UserId, origin.UserName, origin.IpAddress, origin.UserAgent) = (userId, "slurm-live@example.com", "203.0.113.9", "SlurmLive/1.0");
        return scope;
    }

    /// <summary>A new organisation with an Active lease of one whole Slurm node from this hour for two hours.</summary>
    public async Task<(Guid TenantId, ApplicationUser Owner, Guid LeaseId, string NodeId)> ActiveLeaseAsync()
    {
        var owner = await CreateUserAsync();
        var tenant = await CreateOrganizationAsync(owner);
        var now = DateTime.UtcNow;
        var thisHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        Guid leaseId;
        await using (var member = await AsMemberAsync(tenant.Id, owner.Id))
        {
            var held = await member.ServiceProvider.GetRequiredService<LeaseQuoting>().HoldAsync(new LeaseRequest(Region, Sku, 8, thisHour, 2));
            await member.ServiceProvider.GetRequiredService<LeaseSigning>().SignAsync(held.Id, "Grace Hopper", accepted: true);
            leaseId = held.Id;
        }
        await RunAsync<ProvisionLeaseJob>(j => j.RunAsync(leaseId));
        await using var db = NewDb();
        var lease = await db.Leases.Include(l => l.Allocations).SingleAsync(l => l.Id == leaseId);
        Assert.True(lease.State == LeaseState.Active, $"The Slurm lease is {lease.State}");
        return (tenant.Id, owner, leaseId, lease.Allocations.Single(a => a.Status == AllocationStatus.Firm).NodeId);
    }

    public async Task<ScriptJob> LaunchAsync(Guid tenantId, string ownerId, Guid leaseId, ScriptJobRequest request)
    {
        await using var member = await AsMemberAsync(tenantId, ownerId);
        return await member.ServiceProvider.GetRequiredService<ScriptJobLaunching>().LaunchAsync(leaseId, request);
    }

    /// <summary>Job sweeps, as the supervisor runs them, until the job is in a state <paramref name="done"/> accepts.</summary>
    public async Task<ScriptJob> SweepUntilAsync(Guid jobId, Func<ScriptJob, bool> done, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(90); ; await Task.Delay(250))
        {
            await RunAsync<ScriptJobSweep>(s => s.RunAsync());
            await using var db = NewDb();
            var job = await db.ScriptJobs.Include(j => j.Tasks).AsNoTracking().SingleAsync(j => j.Id == jobId);
            if (done(job)) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within 90 s: {what}; the job is {job.State} ({job.Reason}).");
        }
    }

    /// <summary>Releases the lease early and ends it, so that Slurm holds nothing for it after the test.</summary>
    public async Task ReleaseAsync(Guid tenantId, string ownerId, Guid leaseId)
    {
        await using (var member = await AsMemberAsync(tenantId, ownerId))
            await member.ServiceProvider.GetRequiredService<LeaseCancelling>().ReleaseAsync(leaseId);
        await RunAsync<EndLeaseJob>(j => j.RunAsync(leaseId));
    }

    public PortalDbContext NewDb() => CreateDbContext(Services.CreateScope()).ActAsSupport();
}
