using System.Text;
using Portal.Core.Pool;
using Portal.Core.Pool.Slurm;
using Portal.Tests.Pool.Conformance;

namespace Portal.Tests.Pool.Slurm;

/// <summary>What the job folder keeps for the portal: the job id across a crash after sbatch, the end after Slurm forgets the job.</summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmJobRecordTests(SlurmConformanceFixture cluster) : IClassFixture<SlurmConformanceFixture>
{
    private IGpuPoolDriver Pool => cluster.Pool;

    [Fact]
    public async Task A_portal_killed_between_sbatch_and_recording_the_job_id_finds_its_job_instead_of_submitting_twice()
    {
        var hold = await HoldAsync();
        try
        {
            var spec = Spec(hold, "sleep 60\n");
            Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);
            var folder = Path.Combine(cluster.Options.JobRoot, spec.TaskId);
            var jobId = File.ReadAllText(Path.Combine(folder, "job-id")).Trim();
            // As a crash right after sbatch leaves it: the submitting mark, no job id.
            File.Delete(Path.Combine(folder, "job-id"));
            await File.WriteAllTextAsync(Path.Combine(folder, "submitting"), "");

            var again = await Pool.SubmitTaskAsync(spec);

            Assert.Equal(PoolSubmitOutcome.Submitted, again.Outcome);
            Assert.Equal(jobId, File.ReadAllText(Path.Combine(folder, "job-id")).Trim());
            var shown = await cluster.Commands.RunAsync("scontrol", ["show", "job", "-o"], default);
            var named = SlurmJob.ParseAll(shown.Stdout).Where(j => j.Name == spec.TaskId);
            Assert.Single(named);
        }
        finally { await Pool.ReleaseAsync(hold); }
    }

    [Fact]
    public async Task A_job_slurm_has_forgotten_keeps_the_exit_code_its_wrapper_recorded()
    {
        var hold = await HoldAsync();
        try
        {
            var spec = Spec(hold, "echo done\nexit 0\n");
            Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);
            await WaitFinalAsync(spec.TaskId);
            var folder = Path.Combine(cluster.Options.JobRoot, spec.TaskId);
            // As after MinJobAge with the portal down: Slurm no longer knows the job and the portal never saw its end.
            File.Delete(Path.Combine(folder, "final.json"));
            await File.WriteAllTextAsync(Path.Combine(folder, "job-id"), "99999999");

            var remembered = await Pool.GetTaskAsync(spec.TaskId);

            Assert.Equal((PoolTaskState.Succeeded, 0), (remembered!.State, remembered.ExitCode));
            Assert.Single(remembered.GpuIndexes);
            Assert.Equal("done\n", Encoding.UTF8.GetString((await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 0, 100))!.Data));
        }
        finally { await Pool.ReleaseAsync(hold); }
    }

    private async Task<PoolHold> HoldAsync()
    {
        var (node, gpus) = await cluster.FreeNodeAsync();
        var hold = new PoolHold(Guid.NewGuid(), Guid.NewGuid(), node, gpus, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), PoolAccount.For(Guid.NewGuid()));
        Assert.True((await Pool.ReserveAsync(hold)).Succeeded);
        return hold;
    }

    private static PoolTaskSpec Spec(PoolHold hold, string script) =>
        new("rec-" + Guid.NewGuid().ToString("N")[..16], hold.NodeId, hold.AllocationId, 1, script, new Dictionary<string, string>(), [], 600,
            null, hold.LeaseId, hold.Account, hold.End);

    private async Task WaitFinalAsync(string taskId)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await Pool.GetTaskAsync(taskId) is { IsFinal: true }) return;
        throw new TimeoutException($"Task {taskId} did not end within 120 s.");
    }
}
