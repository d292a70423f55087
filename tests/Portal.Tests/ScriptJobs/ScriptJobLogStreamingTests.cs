using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Portal.Core.ScriptJobs;
using Xunit.Abstractions;
using static Portal.Core.Pool.PoolLogStream;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The streaming scenario, smaller: one task writes as fast as it can while 20 live readers follow it by offset;
/// every reader ends with exactly the task's bytes. PORTAL_LOG_STREAM_MB sets the size (the benchmark runs 50).
/// </summary>
public sealed class ScriptJobLogStreamingTests(ScriptJobOutputFactory portal, ITestOutputHelper output) : IClassFixture<ScriptJobOutputFactory>
{
    private static readonly int Readers = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_LOG_STREAM_READERS"), out var r) ? r : 20;

    [Fact]
    public async Task Twenty_live_readers_following_one_writer_each_get_every_byte_exactly_once()
    {
        var megabytes = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_LOG_STREAM_MB"), out var mb) ? mb : 8;
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // a hang fails instead of blocking the suite
        GC.Collect();
        var idle = Process.GetCurrentProcess().WorkingSet64;
        long peak = idle;

        var readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(() => FollowAsync(tenantId, ownerId, job.Id, guard.Token))).ToList();
        using var written = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        var clock = Stopwatch.StartNew();
        for (var piece = 0; total < megabytes * 1024L * 1024; piece++)
        {
            var bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 800).Select(i => $"piece {piece} line {i}: {new string('.', i % 60)}\n")));
            portal.Output.Write(task.PoolTaskId!, Stdout, bytes);
            written.AppendData(bytes);
            total += bytes.Length;
            await portal.CollectAsync(task.Id);
            peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
        }
        portal.Output.End(task.PoolTaskId!);
        await portal.UpdateTaskAsync(task.Id, t => ScriptJobStateMachine.Move(t, ScriptJobState.Succeeded, null, portal.Now));
        await portal.CollectAsync(task.Id);
        var results = await Task.WhenAll(readers);
        output.WriteLine($"{total / 1048576.0:0.0} MB written and collected in {clock.Elapsed.TotalSeconds:0.0} s, {Readers} readers done; " +
            $"working set {idle / 1048576} MB idle, {peak / 1048576} MB peak while writing");

        var expected = Convert.ToHexString(written.GetHashAndReset());
        Assert.All(results, r => Assert.Equal((total, expected), r));
    }

    /// <summary>What a live page or API client does: read from its offset until the log is complete.</summary>
    private async Task<(long Bytes, string Sha256)> FollowAsync(Guid tenantId, string userId, Guid jobId, CancellationToken ct)
    {
        await using var member = await portal.As(tenantId, userId);
        var logs = member.Get<ScriptJobLogs>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        while (true)
        {
            var chunk = (await logs.ReadAsync(jobId, 0, Stdout, offset, 256 * 1024, ct))!;
            hash.AppendData(chunk.Data);
            offset += chunk.Data.Length;
            if (chunk.Complete) return (offset, Convert.ToHexString(hash.GetHashAndReset()));
            if (chunk.Data.Length == 0) await Task.Delay(100, ct); // a live page polls about this often
        }
    }
}
