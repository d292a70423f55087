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

    [Fact]
    public async Task A_restarted_pool_holds_the_reservations_it_is_given_on_their_recorded_gpu_indexes()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-0", 2);
        await pool.ReserveAsync("alloc-1", 3);
        await pool.ReserveAsync("alloc-2", 1);
        await pool.StartAsync("holder-1", "sleep 300\n", gpus: 2);

        // The portal's database says alloc-0 was released meanwhile: only alloc-1 and alloc-2 come back.
        await pool.RestartAsync(o => o.Reservations =
        [
            new() { NodeId = "node-a", AllocationId = "alloc-2", Gpus = 1 }, new() { NodeId = "node-a", AllocationId = "alloc-1", Gpus = 3 },
        ]);
        var node = await pool.Sim.GetJsonAsync("pool/nodes/node-a");
        var third = await pool.SubmitAsync("holder-2", "true\n", gpus: 2);

        var reservations = node["reservations"]!.AsArray().ToDictionary(r => (string)r!["allocationId"]!, r => r!["gpuIndexes"]!.AsArray().Select(i
            => (int)i!).ToArray());
        Assert.Equal(["alloc-1", "alloc-2"], reservations.Keys.Order());
        Assert.Equal([2, 3, 4], reservations["alloc-1"]);
        Assert.Equal([5], reservations["alloc-2"]);
        Assert.Equal("insufficient_gpus", (string)(await TestSimulator.JsonAsync(third))["error"]!["code"]!);
    }

    [Fact]
    public async Task A_pool_that_starts_with_the_node_failed_kills_the_tasks_it_reattaches_there()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("on-failed-node", "echo $$\nsleep 300\n");
        var pid = (await pool.WaitStdoutLinesAsync("on-failed-node", 1))[0];

        await pool.RestartAsync(o => o.Nodes.Single(n => n.Id == "node-a").State = NodeState.Failed);
        var ended = await pool.WaitEndedAsync("on-failed-node");

        Assert.Equal("NodeFailed", (string)ended["state"]!);
        Assert.False(TaskTestPool.Runs(pid));
    }

    [Fact]
    public async Task A_sample_line_cut_short_by_a_killed_pool_does_not_stop_the_next_one_from_starting()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("cut-1", "sleep 300\n");
        await TaskTestPool.WaitAsync(async () => (await pool.Sim.GetJsonAsync("pool/tasks/cut-1/metrics")).AsArray().Count > 0 ? "" : null);

        await pool.Sim.DisposeAsync();
        await File.AppendAllTextAsync(Path.Combine(pool.Root, "cut-1", "samples.jsonl"), "{\"at\":\"2026-");
        await pool.RestartAsync();

        Assert.Equal("Running", (string)(await pool.TaskAsync("cut-1"))["state"]!);
        Assert.NotEmpty((await pool.Sim.GetJsonAsync("pool/tasks/cut-1/metrics")).AsArray());
    }
}
