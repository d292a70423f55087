using System.Numerics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Xunit.Abstractions;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>
/// The runner killed at random points, again and again, then resumed by a fresh job with nothing in memory: every
/// custom_id ends up exactly once across the output and error files, and the counts, tokens and cost agree with them.
/// A kill is the job's token cancelled at a random moment or at a random step (between appending a result and
/// committing the checkpoint, between syncing and committing, right after committing, while dispatching), or an
/// exception thrown from such a step, as a crash there would.
/// </summary>
public class BatchCrashTests(BatchFactory factory, ITestOutputHelper output) : IClassFixture<BatchFactory>, IDisposable
{
    private const int Lines = 3000;
    private static readonly string[] Steps = ["dispatch", "appended", "synced", "committing", "committed"];

    private BatchRunHooks Hooks => factory.Services.GetRequiredService<BatchRunHooks>();
    private BatchFileStore Store => factory.Services.GetRequiredService<BatchFileStore>();

    [Fact]
    public async Task Killed_at_random_points_at_least_ten_times_every_custom_id_lands_exactly_once()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions, Enumerable.Range(1, Lines).Select(Line));
        await factory.ValidateAsync(id);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var sentBefore = factory.ModelRequests;
        var kills = new List<string>();

        while (kills.Count < 12 && (await factory.LoadAsync(id)).Status == BatchStatus.InProgress)
        {
            if (await KillOnceAsync(id, random) is { } how) kills.Add(how);
            await AssertCheckpointConsistentAsync(factory, id);
        }
        foreach (var step in new[] { "finalize-decided", "finalize-moved" }) // and twice while finishing
            if (await KillAtAsync(id, step, 1, crash: true)) kills.Add(step);
        await factory.RunBatchAsync(id);

        output.WriteLine($"seed {seed}: {kills.Count} kills ({string.Join(", ", kills)}); " +
                         $"{factory.ModelRequests - sentBefore} requests sent for {Lines} lines (re-sent after kills: at least once on the wire)");
        Assert.True(kills.Count >= 10, $"only {kills.Count} kills landed (seed {seed})");
        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Completed, batch.Status);
        await AssertExactlyOnceAsync(factory, batch, Lines, cancelled: false);
    }

    [Fact]
    public async Task Cancelled_and_killed_while_writing_the_cancelled_lines_and_finishing_each_custom_id_still_lands_once()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions, Enumerable.Range(1, Lines).Select(Line));
        await factory.ValidateAsync(id);
        var random = new Random(Environment.TickCount);
        for (var i = 0; i < 3; i++) await KillOnceAsync(id, random);
        await factory.ChangeAsync(id, b => (b.Status, b.CancellingAt) = (BatchStatus.Cancelling, DateTime.UtcNow));

        Assert.True(await KillAtAsync(id, "appended", 100, crash: true)); // writing batch_cancelled lines
        Assert.True(await KillAtAsync(id, "committing", 3, crash: false));
        Assert.True(await KillAtAsync(id, "finalize-moved", 1, crash: true));
        await factory.RunBatchAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Cancelled, batch.Status);
        await AssertExactlyOnceAsync(factory, batch, Lines, cancelled: true);
        Assert.Contains((await factory.ReadResultsAsync(batch.ErrorFileId)),
            e => e.GetProperty("error").ValueKind == JsonValueKind.Object && e.GetProperty("error").GetProperty("code").GetString() == "batch_cancelled");
    }

    /// <summary>Lines the model answers, a few it refuses (no messages: 400), a few over the context (never sent).</summary>
    internal static string Line(int i) => i % 97 == 0
        ? $$$"""{"custom_id":"q{{{i}}}","method":"POST","url":"/v1/chat/completions","body":{"model":"{{{BatchLines.Chat}}}","messages":[]}}"""
        : ChatLine($"q{i}", $"Question {i}?", maxTokens: i % 101 == 0 ? 200_000 : 3);

    /// <summary>Runs the job until a randomly chosen kill; returns how it was killed, or null if the run ended first.</summary>
    private async Task<string?> KillOnceAsync(string id, Random random)
    {
        var mode = random.Next(3);
        if (mode == 2)
        {
            var ms = random.Next(5, 120);
            using var timer = new CancellationTokenSource(ms);
            return await RunAsync(id, timer) ? $"cancel after {ms} ms" : null;
        }
        var step = Steps[random.Next(Steps.Length)];
        var after = step is "synced" or "committing" or "committed" ? random.Next(1, 6) : random.Next(1, 120);
        return await KillAtAsync(id, step, after, crash: mode == 0) ? $"{(mode == 0 ? "throw" : "cancel")} at {step} #{after}" : null;
    }

    /// <summary>Kills the run at the <paramref name="after"/>th <paramref name="step"/>: throws there, or cancels the job's token there.</summary>
    private async Task<bool> KillAtAsync(string id, string step, int after, bool crash)
    {
        using var kill = new CancellationTokenSource();
        var seen = 0;
        Hooks.OnStep = s =>
        {
            if (s != step || Interlocked.Increment(ref seen) != after) return;
            if (crash) throw new SimulatedCrashException(step);
            kill.Cancel();
        };
        try { return await RunAsync(id, kill); }
        finally { Hooks.OnStep = null; }
    }

    private async Task<bool> RunAsync(string id, CancellationTokenSource kill)
    {
        try
        {
            await factory.RunBatchAsync(id, kill.Token);
            return false;
        }
        catch (Exception e) when (e is SimulatedCrashException or OperationCanceledException) { return true; }
    }

    /// <summary>After any kill: the checkpoint's bitmap, counts and the batch's request_counts say the same, and the files hold at least that much.</summary>
    internal static async Task AssertCheckpointConsistentAsync(BatchFactory factory, string id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var batch = await db.Batches.AsNoTracking().SingleAsync(b => b.Id == id);
        var checkpoint = await db.BatchCheckpoints.AsNoTracking().SingleOrDefaultAsync(c => c.BatchId == id);
        if (checkpoint is null) return;
        Assert.Equal(checkpoint.DoneLines.Sum(b => BitOperations.PopCount(b)), checkpoint.Completed + checkpoint.Failed);
        Assert.Equal((checkpoint.Completed, checkpoint.Failed), (batch.RequestCompleted, batch.RequestFailed));
        // A run that ended before its kill came has published (moved) the files; AssertExactlyOnceAsync checks those.
        if (batch.IsFinished || batch.Status == BatchStatus.Finalizing) return;
        var store = factory.Services.GetRequiredService<BatchFileStore>();
        Assert.True(new FileInfo(store.PathOf(BatchPartialFiles.OutputId(id))).Length >= checkpoint.OutputBytes);
        Assert.True(new FileInfo(store.PathOf(BatchPartialFiles.ErrorId(id))).Length >= checkpoint.ErrorBytes);
    }

    /// <summary>
    /// The files hold each of the <paramref name="lines"/> custom_ids once, each where it belongs, and the batch's counts, tokens and cost say the same.
    /// </summary>
    internal static async Task AssertExactlyOnceAsync(BatchFactory factory, Batch batch, int lines, bool cancelled)
    {
        var store = factory.Services.GetRequiredService<BatchFileStore>();
        var results = await factory.ReadResultsAsync(batch.OutputFileId);
        var errors = await factory.ReadResultsAsync(batch.ErrorFileId);
        BatchCancelAndExpiryTests.AssertEachOnce(lines, results, errors);
        Assert.Equal((results.Count, errors.Count), (batch.RequestCompleted, batch.RequestFailed));
        Assert.All(results, r => Assert.Equal(200, r.GetProperty("response").GetProperty("status_code").GetInt32()));
        foreach (var e in errors)
        {
            var i = int.Parse(BatchRunnerTests.CustomId(e)[1..]);
            if (cancelled && e.GetProperty("error") is { ValueKind: JsonValueKind.Object } error && error.GetProperty("code").GetString() == "batch_cancelled")
                Assert.Equal(JsonValueKind.Null, e.GetProperty("response").ValueKind);
            else if (i % 97 == 0) Assert.Equal(400, e.GetProperty("response").GetProperty("status_code").GetInt32());
            else if (i % 101 == 0) Assert.Equal("context_length_exceeded", e.GetProperty("error").GetProperty("code").GetString());
            else Assert.Fail($"{BatchRunnerTests.CustomId(e)} should have run: {e}");
        }
        long Usage(string name) => results.Sum(r => r.GetProperty("response").GetProperty("body").GetProperty("usage").GetProperty(name).GetInt64());
        Assert.Equal((Usage("prompt_tokens"), Usage("completion_tokens")), (batch.InputTokens, batch.OutputTokens));
        Assert.Equal((batch.InputTokens * 300_000 + batch.OutputTokens * 400_000 + 500_000) / 1_000_000, batch.CostMicros);
        foreach (var fileId in new[] { batch.OutputFileId, batch.ErrorFileId }.OfType<string>())
            Assert.Equal(new FileInfo(store.PathOf(fileId)).Length, (await factory.FileAsync(fileId))!.Bytes);
        Assert.False(store.Exists(BatchPartialFiles.OutputId(batch.Id)));
        Assert.False(store.Exists(BatchPartialFiles.ErrorId(batch.Id)));
    }

    public void Dispose() => Hooks.OnStep = null;

    private sealed class SimulatedCrashException(string step) : Exception($"Simulated crash at {step}");
}
