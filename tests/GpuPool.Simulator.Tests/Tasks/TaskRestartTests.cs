namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>Tasks outlive the pool process: a new pool on the same task folder picks them up where they are.</summary>
public class TaskRestartTests
{
    [Fact]
    public async Task A_restarted_pool_reattaches_to_a_running_task_which_finishes_once_with_its_exit_code_and_full_log()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 3);
        var script = $"echo run >> {pool.Shared}/runs.txt\necho before\nwhile [ ! -e {pool.Shared}/go ]; do sleep 0.1; done\necho after\nexit 7\n";
        await pool.StartAsync("survivor-1", script, gpus: 2);
        await pool.StartAsync("finished-1", "echo done early\n");
        await pool.WaitStdoutLinesAsync("survivor-1", 1);
        await pool.WaitEndedAsync("finished-1");

        await pool.RestartAsync();
        var reattached = await pool.TaskAsync("survivor-1");
        await File.WriteAllTextAsync(Path.Combine(pool.Shared, "go"), "");
        var ended = await pool.WaitEndedAsync("survivor-1");

        Assert.Equal("Running", (string)reattached["state"]!);
        Assert.Equal([0, 1], reattached["gpuIndexes"]!.AsArray().Select(i => (int)i!));
        Assert.Equal("Failed", (string)ended["state"]!);
        Assert.Equal(7, (int)ended["exitCode"]!);
        Assert.Equal("before\nafter\n", await pool.LogAsync("survivor-1", "stdout"));
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Path.Combine(pool.Shared, "runs.txt")));
        Assert.Equal("Succeeded", (string)(await pool.TaskAsync("finished-1"))["state"]!);
        Assert.Equal("done early\n", await pool.LogAsync("finished-1", "stdout"));
    }

    [Fact]
    public async Task A_task_that_ended_while_no_pool_was_watching_gets_its_final_state_and_the_time_limit_still_holds()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);
        await pool.StartAsync("quick-1", $"while [ ! -e {pool.Shared}/go ]; do sleep 0.1; done\nexit 0\n");
        await pool.StartAsync("limited-1", "sleep 300\n", timeLimitSeconds: 2);

        // The pool stops; meanwhile the first task ends with no pool to see it.
        await pool.Sim.DisposeAsync();
        await File.WriteAllTextAsync(Path.Combine(pool.Shared, "go"), "");
        await TaskTestPool.WaitAsync(async () => File.Exists(Path.Combine(pool.Root, "quick-1", "exit_code")) ? "" : null);
        await pool.RestartAsync();

        Assert.Equal("Succeeded", (string)(await pool.WaitEndedAsync("quick-1"))["state"]!);
        Assert.Equal("TimedOut", (string)(await pool.WaitEndedAsync("limited-1"))["state"]!);
    }
}
