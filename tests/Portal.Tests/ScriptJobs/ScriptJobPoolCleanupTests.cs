using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The pool's folder of a task (its working directory, the pool's logs) is kept as long as the job's logs are, and deleted
/// with them when the retention ends: the hourly purge asks the real embedded pool to forget the task. A task the pool
/// still runs keeps its folder, and is asked about again at the next run.
/// </summary>
public sealed class ScriptJobPoolCleanupTests(SimulatorOutputFactory portal) : IClassFixture<SimulatorOutputFactory>
{
    [Fact]
    public async Task A_purged_jobs_task_folder_goes_from_the_pool_and_a_still_running_tasks_stays()
    {
        var pool = portal.Get<IGpuPoolDriver>();
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var finished = await portal.NewJobAsync(tenantId, ownerId);
        var stillRunning = await portal.NewJobAsync(tenantId, ownerId);
        const string node = "us-south-1-h100-006";
        var reservation = Guid.NewGuid();
        Assert.True((await pool.ReserveAsync(node, reservation, 2)).Succeeded);
        var finishedTask = finished.Tasks[0].PoolTaskId!;
        var runningTask = stillRunning.Tasks[0].PoolTaskId!;
        var noEnv = new Dictionary<string, string>();
        Assert.True((await pool.SubmitTaskAsync(new(finishedTask, node, reservation, 1, "pwd\necho result > out.txt\n", noEnv, [], 0))).Succeeded);
        Assert.True((await pool.SubmitTaskAsync(new(runningTask, node, reservation, 1, "pwd\nsleep 120\n", noEnv, [], 0))).Succeeded);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); await pool.GetTaskAsync(finishedTask) is not { IsFinal: true }; await Task.Delay(50))
            Assert.True(DateTime.UtcNow < deadline, "the task did not end within 60 s");
        var finishedWork = await WorkFolderAsync(pool, finishedTask);
        var runningWork = await WorkFolderAsync(pool, runningTask);
        Assert.True(File.Exists(Path.Combine(finishedWork, "out.txt")));

        foreach (var job in new[] { finished, stillRunning }) // both over as far as the portal knows (the pool disagrees for one)
        {
            await portal.UpdateJobAsync(job.Id, j => ScriptJobStateMachine.Move(j, ScriptJobState.Succeeded, null, portal.Now));
            await portal.SummarizeAsync(job.Id);
        }
        await RunPurgeAsync();
        Assert.True(Directory.Exists(finishedWork), "kept while the job's logs are kept");

        portal.Clock.Advance(TimeSpan.FromDays(31));
        await RunPurgeAsync();

        Assert.False(Directory.Exists(finishedWork));
        Assert.Null(await pool.GetTaskAsync(finishedTask));
        Assert.Null((await portal.JobAsync(finished.Id)).Tasks[0].PoolTaskId);
        Assert.True(Directory.Exists(runningWork));
        Assert.Equal(PoolTaskState.Running, (await pool.GetTaskAsync(runningTask))!.State);
        Assert.Equal(runningTask, (await portal.JobAsync(stillRunning.Id)).Tasks[0].PoolTaskId); // asked again next time

        await pool.CancelTaskAsync(runningTask, TimeSpan.Zero);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); await pool.GetTaskAsync(runningTask) is not { IsFinal: true }; await Task.Delay(50))
            Assert.True(DateTime.UtcNow < deadline, "the task did not stop within 60 s");
        await RunPurgeAsync();
        Assert.False(Directory.Exists(runningWork));
    }

    /// <summary>The task's working directory, as its script printed it.</summary>
    private static async Task<string> WorkFolderAsync(IGpuPoolDriver pool, string taskId)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(50))
        {
            var printed = Encoding.UTF8.GetString((await pool.ReadLogAsync(taskId, PoolLogStream.Stdout, 0, 4096))!.Data).Trim();
            if (printed.Length > 0) return printed;
            Assert.True(DateTime.UtcNow < deadline, "the task printed no folder within 60 s");
        }
    }

    private async Task RunPurgeAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PurgeScriptJobOutputJob>().RunAsync();
    }
}
