using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The proof, against the real simulator (tasks are real processes): two tenants' leases on one node, many jobs
/// each, and at every moment the pool's own view says that no task runs outside its own lease's reservation and that no
/// lease runs more GPUs at once than it holds.
/// </summary>
public class ScriptJobPoolProofTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2", Sku = "b200-180gb"; // this class's own pool

    [Fact]
    public async Task Nothing_of_one_lease_runs_on_another_s_gpus_and_no_lease_runs_more_gpus_than_it_holds()
    {
        var kit = new LifecycleKit(factory);
        var leases = new List<Lease>();
        foreach (var gpus in new[] { 3, 5 }) // 3 + 5: one 8-GPU node holds both
        {
            var (tenantId, ownerId) = await factory.NewTenantAsync();
            leases.Add(await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, gpus, factory.ThisHour, 4)));
        }
        var node = Assert.Single(leases.SelectMany(l => l.Allocations).Select(a => a.NodeId).Distinct());

        var jobs = new List<ScriptJob>();
        var random = new Random(14);
        foreach (var lease in leases)
        {
            await using var member = await factory.As(lease.TenantId, lease.CreatedByUserId!);
            var launching = member.Get<ScriptJobLaunching>();
            for (var i = 0; i < 10; i++)
                jobs.Add(await launching.LaunchAsync(lease.Id, new ScriptJobRequest($"job-{i}",
                    $"sleep 0.{random.Next(1, 5)}\necho \"$PORTAL_TASK_INDEX on $CUDA_VISIBLE_DEVICES\"\n",
                    GpusPerTask: random.Next(1, Math.Min(lease.Gpus, 3) + 1), Tasks: random.Next(1, 4))));
        }
        var leaseOfTask = jobs.SelectMany(j => j.Tasks).ToDictionary(t => t.Id.ToString("N"), t => t.LeaseId);

        var pool = factory.Services.GetRequiredService<IGpuPoolDriver>();
        var moments = 0;
        var bothAtOnce = 0;
        for (var round = 0; round < 600 && !await AllEndedAsync(jobs); round++)
        {
            await kit.RunAsync<ScriptJobSweep>(s => s.RunAsync());
            var reservations = await ReservationsAsync(kit);
            var live = (await pool.ListTasksAsync())
                .Where(t => !t.IsFinal && leaseOfTask.ContainsKey(t.TaskId.Split('-')[0])).ToList();
            foreach (var task in live)
            {
                var lease = leases.Single(l => l.Id == leaseOfTask[task.TaskId.Split('-')[0]]);
                var allocation = Assert.Single(lease.Allocations, a => a.Id == task.ReservationId); // its own lease's reservation
                var reserved = reservations[task.ReservationId];
                Assert.Equal((allocation.NodeId, allocation.NodeId), (task.NodeId, reserved.Node));
                Assert.All(task.GpuIndexes, i => Assert.Contains(i, reserved.GpuIndexes)); // on its reservation's GPUs only
            }
            foreach (var lease in leases)
                Assert.True(live.Where(t => lease.Allocations.Any(a => a.Id == t.ReservationId)).Sum(t => t.GpuIndexes.Length) <= lease.Gpus,
                    "a lease ran more GPUs at once than it holds");
            var indexes = live.Where(t => t.NodeId == node).SelectMany(t => t.GpuIndexes).ToList();
            Assert.Equal(indexes.Count, indexes.Distinct().Count()); // no GPU given twice
            moments++;
            if (leases.All(l => live.Any(t => l.Allocations.Any(a => a.Id == t.ReservationId)))) bothAtOnce++;
            await Task.Delay(50);
        }

        Assert.True(await AllEndedAsync(jobs), "the jobs did not all end");
        foreach (var job in jobs)
        {
            var ended = await JobAsync(job.Id);
            Assert.True(ended.State == ScriptJobState.Succeeded, $"{ended.Name} ended {ended.State}: {ended.Reason}");
            Assert.True(ended.GpuSeconds >= 0);
        }
        Assert.True(bothAtOnce > 0, $"the two leases never ran at the same moment ({moments} moments looked at)");
    }

    private async Task<bool> AllEndedAsync(List<ScriptJob> jobs)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var ids = jobs.Select(j => j.Id).ToList();
        return !await db.ScriptJobs.AnyAsync(j => ids.Contains(j.Id)
            && (j.State == ScriptJobState.Queued || j.State == ScriptJobState.Starting || j.State == ScriptJobState.Running));
    }

    private async Task<ScriptJob> JobAsync(Guid id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.ScriptJobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    /// <summary>The pool's own reservations (GET /pool/nodes), with the node GPU indexes each holds.</summary>
    private static async Task<Dictionary<Guid, (string Node, int[] GpuIndexes)>> ReservationsAsync(LifecycleKit kit)
    {
        using var http = kit.PoolHttp();
        using var nodes = JsonDocument.Parse(await http.GetStringAsync("pool/nodes"));
        return nodes.RootElement.EnumerateArray().SelectMany(n => n.GetProperty("reservations").EnumerateArray())
            .ToDictionary(r => Guid.Parse(r.GetProperty("allocationId").GetString()!),
                r => (r.GetProperty("nodeId").GetString()!, r.GetProperty("gpuIndexes").EnumerateArray().Select(i => i.GetInt32()).ToArray()));
    }
}
