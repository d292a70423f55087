using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Leases;

namespace Portal.Tests.Pool;

/// <summary>A script job on a lease in the Slurm region runs on that region's pool, followed through the router like any other.</summary>
public sealed class TwoRegionJobTests(TwoRegionFactory factory) : IClassFixture<TwoRegionFactory>
{
    private readonly LifecycleKit kit = new(factory);

    [Fact]
    public async Task A_job_on_a_slurm_region_lease_is_submitted_to_its_cluster_and_followed_to_its_end()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(TwoRegionFactory.Region, TwoRegionFactory.Sku, 8, factory.ThisHour, 4));
        var job = await AddJobAsync(lease, gpus: 2);

        await kit.RunAsync<ScriptJobSweep>(s => s.RunAsync()); // starts it
        var spec = Assert.Single(factory.Cluster.Specs.Values, s => s.LeaseId == lease.Id);
        Assert.Equal((lease.Allocations.Single().NodeId, 2, PoolAccount.For(tenantId), lease.End), (spec.NodeId, spec.Gpus, spec.Account, spec.NotAfter));
        using (var http = kit.PoolHttp())
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"pool/tasks/{spec.TaskId}")).StatusCode); // not on the simulator

        await kit.RunAsync<ScriptJobSweep>(s => s.RunAsync());
        Assert.Equal(ScriptJobState.Running, (await JobAsync(job.Id)).State);
        factory.Cluster.Finish(spec.TaskId, 0);
        await kit.RunAsync<ScriptJobSweep>(s => s.RunAsync());

        var done = await JobAsync(job.Id);
        Assert.Equal((ScriptJobState.Succeeded, 0), (done.State, done.ExitCode));
        Assert.Equal("0,1", done.Tasks.Single().GpuIndexes);
    }

    private async Task<ScriptJob> AddJobAsync(Lease lease, int gpus)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var job = new ScriptJob
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, Name = "train", Script = "echo hello", GpusPerTask = gpus,
            CreatedByUserId = lease.CreatedByUserId!, CreatedAt = factory.Now,
        };
        job.Tasks.Add(new ScriptJobTask { TenantId = lease.TenantId, LeaseId = lease.Id, JobId = job.Id, Gpus = gpus });
        db.ScriptJobs.Add(job);
        await db.SaveChangesAsync();
        return job;
    }

    private async Task<ScriptJob> JobAsync(Guid id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks).SingleAsync(j => j.Id == id);
    }
}
