namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>
/// A task's end is recorded when its process exits, not at the pool's next look at its tasks, and whoever long-polls the
/// pool's task changes (the portal's supervisor) hears of it: the next queued job starts without waiting for a poll.
/// </summary>
public class TaskExitTests
{
    [Fact]
    public async Task A_task_that_exits_is_seen_ended_at_once_though_the_pools_next_look_is_minutes_away()
    {
        await using var pool = await TaskTestPool.StartAsync(o => o.TaskPollInterval = TimeSpan.FromMinutes(10));
        await pool.ReserveAsync("alloc-1", 1);
        var before = (long)(await pool.Sim.GetJsonAsync("pool/task-changes?after=-1"))["version"]!;

        await pool.StartAsync("quick-1", "echo done\nexit 4\n");
        var ended = await pool.WaitEndedAsync("quick-1"); // gives up after 60 s: long before the next look

        Assert.Equal(("Failed", 4), ((string)ended["state"]!, (int)ended["exitCode"]!));
        Assert.Equal("done\n", await pool.LogAsync("quick-1", "stdout"));
        var after = (long)(await pool.Sim.GetJsonAsync($"pool/task-changes?after={before}&waitMs=0"))["version"]!;
        Assert.True(after > before);
    }
}
