using System.Net;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>
/// The portal deletes a task's folder on the pool once it no longer needs it (DELETE /pool/tasks/{id}): an ended task's
/// folder goes, and the pool no longer knows it, even after a restart; a running task's folder stays.
/// </summary>
public class TaskForgetTests
{
    [Fact]
    public async Task An_ended_tasks_folder_is_deleted_and_a_running_tasks_stays()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);
        await pool.StartAsync("ended-1", "echo result > out.txt\necho done\n");
        await pool.StartAsync("running-1", "sleep 60\n");
        await pool.WaitEndedAsync("ended-1");
        var ended = Path.Combine(pool.Root, "ended-1");
        var running = Path.Combine(pool.Root, "running-1");
        Assert.True(File.Exists(Path.Combine(ended, "work", "out.txt")));

        var refused = await pool.Http.DeleteAsync("pool/tasks/running-1");
        var deleted = await pool.Http.DeleteAsync("pool/tasks/ended-1");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.True(Directory.Exists(Path.Combine(running, "work")));
        Assert.Equal("Running", (string)(await pool.TaskAsync("running-1"))["state"]!);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Directory.Exists(ended));
        Assert.Equal(HttpStatusCode.NotFound, (await pool.Http.GetAsync("pool/tasks/ended-1")).StatusCode);
        Assert.Equal(["running-1"], (await pool.Sim.GetJsonAsync("pool/tasks")).AsArray().Select(t => (string)t!["taskId"]!));

        // Idempotent: again is "not known", and a restarted pool does not bring it back.
        Assert.Equal(HttpStatusCode.NotFound, (await pool.Http.DeleteAsync("pool/tasks/ended-1")).StatusCode);
        await pool.RestartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await pool.Http.GetAsync("pool/tasks/ended-1")).StatusCode);
        Assert.True(Directory.Exists(Path.Combine(running, "work")));
    }
}
