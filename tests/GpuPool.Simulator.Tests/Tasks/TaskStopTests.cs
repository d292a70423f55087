using System.Net.Http.Json;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>The pool stops tasks for real (the whole process group) and says why.</summary>
public class TaskStopTests
{
    // Prints the script's pid and a child's pid, then waits: both must be gone once the task is stopped.
    const string SleepWithChild = "echo $$\nsleep 300 &\necho $!\nwait\n";

    static void AssertGone(string[] pids)
    {
        Assert.Equal(2, pids.Length);
        Assert.All(pids, pid => Assert.False(TaskTestPool.Runs(pid), $"process {pid} still runs"));
    }

    [Fact]
    public async Task Cancel_ends_the_task_cancelled_and_its_processes_are_gone()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("cancel-1", SleepWithChild);
        var pids = await pool.WaitStdoutLinesAsync("cancel-1", 2);

        var answer = await pool.Http.PostAsJsonAsync("pool/tasks/cancel-1/cancel", new { graceSeconds = 0 });
        var ended = await pool.WaitEndedAsync("cancel-1");

        answer.EnsureSuccessStatusCode();
        Assert.Equal("Cancelled", (string)ended["state"]!);
        Assert.Equal("cancelled", (string)ended["reason"]!);
        AssertGone(pids);
    }

    [Fact]
    public async Task Cancel_sends_sigterm_first_so_a_script_can_clean_up_within_the_grace()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("term-1", "trap 'echo cleaning up; exit 0' TERM\necho ready\nsleep 300 & wait\n");
        await pool.WaitStdoutLinesAsync("term-1", 1);

        (await pool.Http.PostAsJsonAsync("pool/tasks/term-1/cancel", new { graceSeconds = 30 })).EnsureSuccessStatusCode();
        var ended = await pool.WaitEndedAsync("term-1");

        Assert.Equal("Cancelled", (string)ended["state"]!);
        Assert.Equal("ready\ncleaning up\n", await pool.LogAsync("term-1", "stdout"));
    }

    [Fact]
    public async Task A_task_past_its_time_limit_is_stopped_as_timed_out()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);

        await pool.StartAsync("slow-1", SleepWithChild, timeLimitSeconds: 1);
        var pids = await pool.WaitStdoutLinesAsync("slow-1", 2);
        var ended = await pool.WaitEndedAsync("slow-1");

        Assert.Equal("TimedOut", (string)ended["state"]!);
        Assert.Contains("time limit of 1 s", (string)ended["reason"]!);
        AssertGone(pids);
    }

    [Fact]
    public async Task A_failed_node_kills_its_tasks_as_node_failed()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("node-1", SleepWithChild);
        var pids = await pool.WaitStdoutLinesAsync("node-1", 2);

        (await pool.Sim.PostAsync("pool/nodes/node-a/state", new { state = "Failed" })).EnsureSuccessStatusCode();
        var ended = await pool.WaitEndedAsync("node-1");

        Assert.Equal("NodeFailed", (string)ended["state"]!);
        Assert.Contains("node-a failed", (string)ended["reason"]!);
        AssertGone(pids);
    }

    [Fact]
    public async Task Releasing_the_reservation_stops_its_tasks_and_only_its_tasks()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.ReserveAsync("alloc-2", 1);
        await pool.StartAsync("released-1", SleepWithChild);
        await pool.StartAsync("kept-1", "sleep 300\n", reservation: "alloc-2");
        var pids = await pool.WaitStdoutLinesAsync("released-1", 2);

        (await pool.Http.DeleteAsync("pool/nodes/node-a/reservations/alloc-1")).EnsureSuccessStatusCode();
        var ended = await pool.WaitEndedAsync("released-1");

        Assert.Equal("Cancelled", (string)ended["state"]!);
        Assert.Equal("reservation released", (string)ended["reason"]!);
        AssertGone(pids);
        Assert.Equal("Running", (string)(await pool.TaskAsync("kept-1"))["state"]!);
    }
}
