using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Leases;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// Issue 15's bad states on the real cluster, as a tenant meets them: a job Slurm refuses ends Failed with Slurm's own words
/// (once, not retried for ever), and a node drained under a running lease takes the node-failure path: the lease's
/// reservation moves to a healthy node and the job on the drained one ends NodeFailed.
/// </summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmBadStateTests(SlurmLiveFactory factory) : IClassFixture<SlurmLiveFactory>
{
    [Fact]
    public async Task A_job_slurm_refuses_ends_failed_with_slurms_message_for_the_tenant_and_is_not_submitted_again()
    {
        var (tenantId, owner, leaseId, _) = await factory.ActiveLeaseAsync();
        try
        {
            // The cluster's admin gives the lease's reservation to another account: sbatch now refuses the tenant's jobs.
            var changed = await SlurmCluster.RunAsync("scontrol", "update", $"ReservationName=lease-{leaseId:N}", "Accounts=someone-else");
            Assert.True(changed.Succeeded, changed.ToString());
            var launched = await factory.LaunchAsync(tenantId, owner.Id, leaseId, new ScriptJobRequest("refused", "echo never\n", 2));

            var job = await factory.SweepUntilAsync(launched.Id, j => ScriptJobStateMachine.IsFinal(j.State), "the refused job ends");
            await factory.RunAsync<ScriptJobSweep>(s => s.RunAsync()); // a later pass submits nothing again

            const string slurmSays = "Batch job submission failed: Access denied to requested reservation";
            Assert.Equal(ScriptJobState.Failed, job.State);
            Assert.Contains(slurmSays, job.Reason);
            var task = Assert.Single(job.Tasks);
            Assert.Equal((ScriptJobState.Failed, 1), (task.State, task.Attempt));
            var client = factory.CreatePortalClient();
            await client.SignInOrFailAsync(owner.Email!);
            var shown = await LeaseApiCalls.JsonAsync(await client.Http.GetAsync($"/api/v1/jobs/{launched.Id}"), HttpStatusCode.OK);
            Assert.Equal("Failed", shown.GetProperty("state").GetString());
            Assert.Contains(slurmSays, shown.GetProperty("reason").GetString());
            Assert.Contains(slurmSays, await client.Http.GetStringAsync($"/jobs/{launched.Id}")); // the job page
            var named = (await SlurmCluster.RunAsync("squeue", "-h", "-n", ScriptJobTaskSpecs.PoolTaskId(task), "-o", "%i")).Stdout.Trim();
            Assert.Equal("", named); // Slurm never took it
            await using var db = factory.NewDb();
            Assert.Equal(ScriptJobState.Failed, (await db.ScriptJobs.SingleAsync(j => j.Id == launched.Id)).State);
        }
        finally
        {
            await SlurmCluster.RunAsync("scontrol", "update", $"ReservationName=lease-{leaseId:N}", $"Accounts={PoolAccount.For(tenantId)}");
            await factory.ReleaseAsync(tenantId, owner.Id, leaseId);
        }
    }

    [Fact]
    public async Task A_node_drained_under_a_running_job_moves_the_lease_to_a_healthy_node_and_the_job_ends_node_failed()
    {
        var (tenantId, owner, leaseId, drained) = await factory.ActiveLeaseAsync();
        try
        {
            var launched = await factory.LaunchAsync(tenantId, owner.Id, leaseId, new ScriptJobRequest("on a node that goes", "echo started\nsleep 600\n", 2));
            await factory.SweepUntilAsync(launched.Id, j => j.State == ScriptJobState.Running, "the job runs on Slurm");

            var drain = await SlurmCluster.RunAsync("scontrol", "update", $"NodeName={drained}", "State=DRAIN", "Reason=gpu fell off the bus");
            Assert.True(drain.Succeeded, drain.ToString());
            await factory.RunAsync<SyncNodeStatesJob>(j => j.RunAsync());
            await factory.RunAsync<NodeFailureJob>(j => j.RunAsync(drained));
            var job = await factory.SweepUntilAsync(launched.Id, j => ScriptJobStateMachine.IsFinal(j.State), "the job on the drained node ends");

            await using var db = factory.NewDb();
            Assert.Equal(NodeState.Failed, (await db.Nodes.SingleAsync(n => n.Id == drained)).State);
            var lease = await db.Leases.Include(l => l.Allocations).SingleAsync(l => l.Id == leaseId);
            var moved = lease.Allocations.Single(a => a.Status == AllocationStatus.Firm && a.End > DateTime.UtcNow);
            Assert.NotEqual(drained, moved.NodeId);
            Assert.Equal((LeaseState.Active, false, 8), (lease.State, lease.Degraded, moved.Gpus));
            var reservation = (await SlurmCluster.RunAsync("scontrol", "show", "res", $"lease-{leaseId:N}", "-o")).Stdout;
            Assert.Contains($" Nodes={moved.NodeId} ", reservation); // Slurm's own view: the lease now holds the healthy node
            Assert.Equal(ScriptJobState.NodeFailed, job.State);
            Assert.Equal($"Node {drained} failed; no retries left", job.Reason);
        }
        finally
        {
            await SlurmCluster.RunAsync("scontrol", "update", $"NodeName={drained}", "State=RESUME");
            await factory.ReleaseAsync(tenantId, owner.Id, leaseId);
        }
    }
}
