using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Xunit.Abstractions;

namespace Portal.Tests.Batches;

/// <summary>
/// The runner in a real worker process, killed (SIGKILL, no finally blocks, no flushes) at random moments while it
/// makes progress, ten times, then resumed: nothing in the files is lost or doubled.
/// </summary>
public class BatchProcessKillTests(BatchFactory factory, ITestOutputHelper output) : IClassFixture<BatchFactory>
{
    private const int Lines = 6000;

    [Fact]
    public async Task A_worker_process_killed_ten_times_mid_run_still_writes_every_custom_id_exactly_once()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions,
            Enumerable.Range(1, Lines).Select(BatchCrashTests.Line));
        await factory.ValidateAsync(id);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var kills = new List<int>();

        while (kills.Count < 10)
        {
            var before = await DoneAsync(id);
            using var worker = BatchRunnerProcess.Start(factory.Services, id,
                "--Batches:CheckpointEveryLines=5", "--Batches:CheckpointIntervalMs=100");
            try
            {
                for (var waited = 0; !worker.HasExited && await DoneAsync(id) <= before; waited += 20)
                {
                    if (waited > 60_000) throw new TimeoutException("The worker made no progress in 60 s.");
                    await Task.Delay(20);
                }
                if (worker.HasExited) break; // it finished first
                await Task.Delay(random.Next(0, 50)); // a random moment while it runs: between appends, syncs and commits
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
                kills.Add(await DoneAsync(id));
            }
            finally
            {
                if (!worker.HasExited) worker.Kill(entireProcessTree: true);
            }
            await BatchCrashTests.AssertCheckpointConsistentAsync(factory, id);
        }
        await factory.RunBatchAsync(id); // whatever is left, here

        output.WriteLine($"seed {seed}: killed at {string.Join(", ", kills)} lines done");
        Assert.True(kills.Count >= 10, $"only {kills.Count} kills landed before the batch finished (seed {seed})");
        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Completed, batch.Status);
        await BatchCrashTests.AssertExactlyOnceAsync(factory, batch, Lines, cancelled: false);
    }

    private async Task<int> DoneAsync(string id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.BatchCheckpoints.Where(c => c.BatchId == id).Select(c => c.Completed + c.Failed).FirstOrDefaultAsync();
    }
}
