using Portal.Core.Pool;
using Portal.Core.Pool.Slurm;
using Portal.Tests.Pool.Conformance;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// The proof, read from Slurm's own view: two tenants' leases on two nodes, jobs for both; every job runs inside its
/// own tenant's reservation and account, on that reservation's node, on the GPUs Slurm gave it; the other tenant's
/// account is refused in a reservation.
/// </summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmTenantIsolationTests(SlurmConformanceFixture cluster) : IClassFixture<SlurmConformanceFixture>
{
    private IGpuPoolDriver Pool => cluster.Pool;

    [Fact]
    public async Task Each_tenants_jobs_run_only_in_its_own_reservation_and_the_other_account_is_refused()
    {
        var a = await HoldAsync();
        var b = await HoldAsync();
        try
        {
            var jobs = new List<(PoolHold Hold, PoolTaskSpec Spec)>();
            foreach (var hold in new[] { a, a, b, b })
            {
                var spec = Spec(hold, hold.Account);
                Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);
                jobs.Add((hold, spec));
            }
            var wrongAccount = await Pool.SubmitTaskAsync(Spec(a, b.Account));

            var reservations = SlurmReservation.ParseAll((await cluster.Commands.RunAsync("scontrol", ["show", "res", "-o"], default)).Stdout);
            foreach (var (hold, spec) in jobs)
            {
                var running = await WaitRunningAsync(spec.TaskId);
                var shown = await cluster.Commands.RunAsync("scontrol", ["show", "job", "-d", "-o", JobIdOf(spec.TaskId)], default);
                var job = SlurmJob.ParseAll(shown.Stdout).Single();
                var reservation = reservations.Single(r => r.Name == SlurmReservation.NameOf(hold.LeaseId));

                Assert.Equal((spec.TaskId, SlurmReservation.NameOf(hold.LeaseId), hold.Account, hold.NodeId),
                    (job.Name, job.Reservation, job.Account, job.Node));
                Assert.Equal([hold.NodeId], reservation.Nodes);
                Assert.Equal(hold.Account, reservation.Accounts);
                Assert.Equal(2, job.GpuIndexes.Length);
                Assert.Equal(job.GpuIndexes, running.GpuIndexes);
            }
            // Two jobs of one lease share its node without sharing GPUs.
            Assert.Empty((await Pool.GetTaskAsync(jobs[0].Spec.TaskId))!.GpuIndexes.Intersect((await Pool.GetTaskAsync(jobs[1].Spec.TaskId))!.GpuIndexes));
            Assert.Equal(PoolSubmitOutcome.Failed, wrongAccount.Outcome);
            Assert.Contains("Access denied to requested reservation", wrongAccount.Message);
        }
        finally
        {
            await Pool.ReleaseAsync(a);
            await Pool.ReleaseAsync(b);
        }
        Assert.DoesNotContain(SlurmReservation.ParseAll((await cluster.Commands.RunAsync("scontrol", ["show", "res", "-o"], default)).Stdout),
            r => r.Name == SlurmReservation.NameOf(a.LeaseId) || r.Name == SlurmReservation.NameOf(b.LeaseId));
    }

    private async Task<PoolHold> HoldAsync()
    {
        var (node, gpus) = await cluster.FreeNodeAsync();
        var hold = new PoolHold(Guid.NewGuid(), Guid.NewGuid(), node, gpus, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), PoolAccount.For(Guid.NewGuid()));
        var result = await Pool.ReserveAsync(hold);
        Assert.True(result.Succeeded, result.Message);
        return hold;
    }

    private static PoolTaskSpec Spec(PoolHold hold, string account) =>
        new("iso-" + Guid.NewGuid().ToString("N")[..16], hold.NodeId, hold.AllocationId, 2, "echo $CUDA_VISIBLE_DEVICES\nsleep 120\n",
            new Dictionary<string, string>(), [], 600, null, hold.LeaseId, account, hold.End);

    private string JobIdOf(string taskId) => File.ReadAllText(Path.Combine(cluster.Options.JobRoot, taskId, "job-id")).Trim();

    private async Task<PoolTaskStatus> WaitRunningAsync(string taskId)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await Pool.GetTaskAsync(taskId) is { State: PoolTaskState.Running, GpuIndexes.Length: > 0 } task) return task;
        throw new TimeoutException($"Task {taskId} did not run within 120 s.");
    }
}
