using System.Text;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using static Portal.Core.Pool.PoolLogStream;

namespace Portal.Tests.ScriptJobs;

/// <summary>The collector against the real embedded pool: a task that runs as a process, followed while it runs.</summary>
public sealed class ScriptJobCollectFromSimulatorTests(SimulatorOutputFactory portal) : IClassFixture<SimulatorOutputFactory>
{
    [Fact]
    public async Task A_running_tasks_logs_and_samples_are_kept_exactly_with_its_secret_masked_and_reads_end_Complete()
    {
        const string secret = "hf_live_9f8e7d6c5b4a";
        var pool = portal.Get<IGpuPoolDriver>();
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId, secrets: new Dictionary<string, string> { ["HF_TOKEN"] = secret });
        var task = job.Tasks[0];
        const string node = "us-south-1-h100-007";
        var reservation = Guid.NewGuid();
        Assert.True((await pool.ReserveAsync(node, reservation, 1)).Succeeded);
        var script = "echo \"token $HF_TOKEN\"\nfor i in $(seq 1 3000); do echo \"step $i loss 0.$i\"; done\necho warn >&2\nsleep 1\n" +
            "for i in $(seq 1 3000); do echo \"late $i $HF_TOKEN\"; done\n";
        var submitted = await pool.SubmitTaskAsync(new PoolTaskSpec(task.PoolTaskId!, node, reservation, 1, script,
            new Dictionary<string, string> { ["HF_TOKEN"] = secret }, [], 0));
        Assert.True(submitted.Succeeded, submitted.Message);

        // What the supervisor does: collect on every pass while the task runs, once more after it ended.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            Assert.True(DateTime.UtcNow < deadline, "the task did not end within 60 s");
            await portal.CollectAsync(task.Id);
            if (await pool.GetTaskAsync(task.PoolTaskId!) is { IsFinal: true }) break;
        }
        await portal.UpdateTaskAsync(task.Id, t => ScriptJobStateMachine.Move(t, ScriptJobState.Succeeded, null, portal.Now));
        await portal.CollectAsync(task.Id);

        var poolStdout = Encoding.UTF8.GetString((await pool.ReadLogAsync(task.PoolTaskId!, Stdout, 0, 8 << 20))!.Data);
        Assert.Contains(secret, poolStdout);
        Assert.Equal(poolStdout.Replace(secret, ScriptJobSecretMask.Mask), portal.KeptText(job.Id, 0, Stdout));
        Assert.Equal("warn\n", portal.KeptText(job.Id, 0, Stderr));
        Assert.NotNull((await portal.JobAsync(job.Id)).Tasks[0].MetricsThrough);

        await using var member = await portal.As(tenantId, ownerId);
        Assert.NotEmpty((await member.Get<ScriptJobMetrics>().ReadAsync(job.Id, null))!);
        var logs = member.Get<ScriptJobLogs>();
        long offset = 0;
        var read = new StringBuilder();
        while (true)
        {
            var chunk = (await logs.ReadAsync(job.Id, 0, Stdout, offset, 16 * 1024))!;
            read.Append(Encoding.UTF8.GetString(chunk.Data));
            offset += chunk.Data.Length;
            if (chunk.Complete) break;
            Assert.NotEmpty(chunk.Data); // the task ended and all is kept: a reader never waits here
        }
        Assert.Equal(portal.KeptText(job.Id, 0, Stdout), read.ToString());
    }
}
