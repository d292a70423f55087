using System.Text;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using static Portal.Core.Pool.PoolLogStream;

namespace Portal.Tests.ScriptJobs;

/// <summary>The collector copies the pool's log bytes into the portal's keep: exactly, once, from the recorded offsets.</summary>
public sealed class ScriptJobLogCollectTests(ScriptJobOutputFactory portal) : IClassFixture<ScriptJobOutputFactory>
{
    /// <summary>Text of many lines, more than one pool read (1 MB) long, different for each seed.</summary>
    private static byte[] Lines(int count, string seed) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i => $"{seed} step {i}: loss={1.0 / (i + 1):0.000000}\n")));

    [Fact]
    public async Task Collect_copies_exactly_the_pools_stdout_and_stderr_and_continues_from_the_recorded_offsets()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        var (out1, err1) = (Lines(60_000, "out"), Lines(500, "err"));
        Assert.True(out1.Length > ScriptJobLogCopier_ChunkBytes);
        portal.Output.Write(task.PoolTaskId!, Stdout, out1);
        portal.Output.Write(task.PoolTaskId!, Stderr, err1);

        await portal.CollectAsync(task.Id);

        Assert.Equal(out1, portal.Kept(job.Id, 0, Stdout));
        Assert.Equal(err1, portal.Kept(job.Id, 0, Stderr));
        var after = await portal.JobAsync(job.Id);
        Assert.Equal(out1.Length, after.Tasks[0].StdoutOffset);
        Assert.Equal(err1.Length, after.Tasks[0].StderrOffset);
        Assert.Equal(out1.Length + err1.Length, after.LogBytes);

        // The task writes more: only the new bytes are copied, after the old ones.
        var out2 = Lines(10, "more");
        portal.Output.Write(task.PoolTaskId!, Stdout, out2);
        await portal.CollectAsync(task.Id);
        Assert.Equal([.. out1, .. out2], portal.Kept(job.Id, 0, Stdout));
        Assert.Equal(err1, portal.Kept(job.Id, 0, Stderr));
        Assert.Equal(out1.Length + out2.Length + err1.Length, (await portal.JobAsync(job.Id)).LogBytes);
    }

    private const int ScriptJobLogCopier_ChunkBytes = 1024 * 1024;

    [Fact]
    public async Task Collecting_twice_copies_nothing_twice()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        portal.Output.Write(task.PoolTaskId!, Stdout, "epoch 1\nepoch 2\n");
        portal.Output.Write(task.PoolTaskId!, Stderr, "warning: slow disk\n");

        await portal.CollectAsync(task.Id);
        await portal.CollectAsync(task.Id);

        Assert.Equal("epoch 1\nepoch 2\n", portal.KeptText(job.Id, 0, Stdout));
        Assert.Equal("warning: slow disk\n", portal.KeptText(job.Id, 0, Stderr));
        Assert.Equal(16 + 19, (await portal.JobAsync(job.Id)).LogBytes);
    }

    [Fact]
    public async Task A_collector_that_dies_after_appending_and_before_saving_the_offset_duplicates_and_loses_nothing()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        var first = Lines(100, "first");
        portal.Output.Write(task.PoolTaskId!, Stdout, first);
        await portal.CollectAsync(task.Id);

        var second = Lines(100, "second");
        portal.Output.Write(task.PoolTaskId!, Stdout, second);
        var hooks = portal.Get<ScriptJobOutputHooks>();
        hooks.OnStep = step => { if (step == "log-appended") throw new InvalidOperationException("killed"); };
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => portal.CollectAsync(task.Id));
        }
        finally { hooks.OnStep = null; }
        // The bytes reached the file but not the database: the offset still says where the first collection ended.
        Assert.Equal(first.Length + second.Length, portal.Kept(job.Id, 0, Stdout).Length);
        Assert.Equal(first.Length, (await portal.JobAsync(job.Id)).Tasks[0].StdoutOffset);

        await portal.CollectAsync(task.Id);

        Assert.Equal([.. first, .. second], portal.Kept(job.Id, 0, Stdout));
        var after = await portal.JobAsync(job.Id);
        Assert.Equal(first.Length + second.Length, after.Tasks[0].StdoutOffset);
        Assert.Equal(first.Length + second.Length, after.LogBytes);
    }

    [Fact]
    public async Task Secret_values_are_masked_even_when_one_arrives_split_across_two_chunks()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId, secrets: new Dictionary<string, string> { ["HF_TOKEN"] = "hf_s3cr3tT0ken",
            ["DB_PASS"] = "pa55" });
        var task = job.Tasks[0];
        portal.Output.Write(task.PoolTaskId!, Stdout, "token is hf_s3cr3tT0ken, password pa55\nagain: hf_s3cr");

        await portal.CollectAsync(task.Id);
        // The start of the split secret is held back until the rest arrives.
        Assert.DoesNotContain("hf_s3cr", portal.KeptText(job.Id, 0, Stdout));

        portal.Output.Write(task.PoolTaskId!, Stdout, "3tT0ken done\n");
        portal.Output.End(task.PoolTaskId!);
        await portal.CollectAsync(task.Id);

        Assert.Equal("token is ********, password ********\nagain: ******** done\n", portal.KeptText(job.Id, 0, Stdout));
    }

    [Fact]
    public async Task A_retry_starts_with_a_separator_line_and_keeps_the_first_attempts_bytes()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId, maxRetries: 2);
        var task = job.Tasks[0];
        portal.Output.Write(task.PoolTaskId!, Stdout, "attempt one\nnode lost");
        portal.Output.End(task.PoolTaskId!);
        await portal.CollectAsync(task.Id);

        // What the supervisor does for a retry: a new attempt, a new pool task, the offsets back to 0.
        var second = $"{task.Id:N}-2";
        await portal.UpdateTaskAsync(task.Id, t =>
        {
            ScriptJobStateMachine.Move(t, ScriptJobState.NodeFailed, "node lost", portal.Now);
            ScriptJobStateMachine.Move(t, ScriptJobState.Queued, null, portal.Now);
            t.PoolTaskId = second;
        });
        portal.Output.Write(second, Stdout, "attempt two\n");
        await portal.CollectAsync(task.Id);
        await portal.CollectAsync(task.Id);

        Assert.Equal("attempt one\nnode lost\n[portal] attempt 2 of 3\nattempt two\n", portal.KeptText(job.Id, 0, Stdout));
        Assert.Equal(12, (await portal.JobAsync(job.Id)).Tasks[0].StdoutOffset);
    }
}
