using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Pool;

namespace Portal.Core.Batches;

/// <summary>
/// Dispatches the lines not done yet and appends their results until all are done or the run must stop. One
/// producer reads the input and starts a request per line when a server slot is free; request tasks hand their
/// result lines to this loop, the only writer of the files and of the run's state, which checkpoints as it goes.
/// Stopping (cancel, expiry, suspension) lets the requests in flight finish for up to <c>CancelGraceSeconds</c>.
/// </summary>
public sealed class BatchLineDispatcher(BatchCheckpointer checkpointer, BatchTransitions transitions, BatchFileStore files,
    BatchModelServers modelServers, IHttpClientFactory httpClients, IGpuPoolDriver pool, IOptions<BatchOptions> options,
    BatchRunHooks hooks, TimeProvider time, ILogger<BatchLineDispatcher> logger)
{
    private BatchOptions Options => options.Value;

    internal async Task<BatchStop> RunAsync(BatchRun run, Batch batch, CancellationToken ct)
    {
        if (run.AllDone) return BatchStop.AllDone;
        var first = await checkpointer.CheckpointAsync(run, ct); // a heartbeat at start, and the latest status and tenant state
        if (StopFor(first) is { } early) return early;
        if (!files.Exists(run.InputFileId))
        {
            logger.LogWarning("Batch {Batch}: its input file {File} was deleted; the rest expires with the batch", run.BatchId, run.InputFileId);
            return BatchStop.Paused;
        }
        var servers = await ServersAsync(run, batch.Model, ct);
        if (servers.Count == 0)
        {
            logger.LogWarning("Batch {Batch}: model {Model} has no deployment; paused until it has one", run.BatchId, batch.Model);
            return BatchStop.Paused;
        }
        var sender = new BatchLineSender(httpClients.CreateClient(RunBatchJob.HttpClientName), Options, time, run.Endpoint);
        var lines = new BatchLineProducer(files, hooks, Options.MaxLineBytes);

        using var stopDispatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var abortTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var abortInFlight = CancellationTokenSource.CreateLinkedTokenSource(ct, abortTimer.Token);
        // Synchronous continuations: the request that hands in a result runs this loop on its own thread, instead of
        // queueing it to the thread pool once per line (a wake-up per line cost more CPU than appending the line).
        var results = Channel.CreateBounded<BatchResultLine>(new BoundedChannelOptions(1024) { SingleReader = true, AllowSynchronousContinuations = true });
        var alreadyDone = (byte[])run.Done.Clone();
        var producer = Task.Run(() => lines.ProduceAsync(run, alreadyDone, servers, sender, results.Writer,
            stopDispatching.Token, abortInFlight.Token, ct), CancellationToken.None);
        BatchStop? stop = null;
        var checkpointDue = NextCheckpointDue(ct);
        try
        {
            while (await WaitForResultsAsync(results.Reader, checkpointDue.Token, ct))
            {
                while (results.Reader.TryRead(out var result))
                {
                    run.Add(result);
                    hooks.Step("appended");
                }
                if (run.SinceCheckpoint < Options.CheckpointEveryLines && !checkpointDue.IsDue) continue;
                var seen = await checkpointer.CheckpointAsync(run, ct);
                checkpointDue.Dispose();
                checkpointDue = NextCheckpointDue(ct);
                if (stop is null && StopFor(seen) is { } reason)
                {
                    stop = reason;
                    stopDispatching.Cancel(); // no new requests; those in flight get the grace period
                    abortTimer.CancelAfter(TimeSpan.FromSeconds(Options.CancelGraceSeconds));
                }
            }
            await producer;
            await checkpointer.CheckpointAsync(run, ct);
        }
        finally
        {
            checkpointDue.Dispose();
            // However this ends (done, stopped, killed, a step threw), nothing of this run may outlive it: the
            // requests are abandoned, and the producer is awaited so no task still holds the files or the lock.
            if (!producer.IsCompleted)
            {
                results.Writer.TryComplete();
                await stopDispatching.CancelAsync();
                await abortInFlight.CancelAsync();
                try { await producer; } catch (Exception e) { logger.LogDebug(e, "Batch {Batch}: dispatch ended", run.BatchId); }
            }
        }
        if (stop is { } s) return s;
        if (run.AllDone) return BatchStop.AllDone;
        logger.LogError("Batch {Batch}: the input ended with {Done} of {Total} lines done; paused", run.BatchId, run.Completed + run.Failed, run.RequestTotal);
        return BatchStop.Paused;
    }

    /// <summary>Why to stop dispatching, from what the last checkpoint read; null to go on.</summary>
    private BatchStop? StopFor(BatchSeen seen)
    {
        if (seen.Status == BatchStatus.Cancelling) return BatchStop.Cancelled;
        if (seen.Status != BatchStatus.InProgress) return BatchStop.Paused; // someone else decided; the wrap-up reads the row
        if (transitions.Now >= seen.ExpiresAt) return BatchStop.Expired;
        return seen.Suspended ? BatchStop.Paused : null;
    }

    /// <summary>The model's servers (deployments resolved to base URLs; every <c>simulator:</c> one is the embedded pool).</summary>
    private async Task<IReadOnlyList<BatchModelServers.Server>> ServersAsync(BatchRun run, string? model, CancellationToken ct)
    {
        await using var db = await transitions.TenantDbAsync(run.TenantId, ct);
        var urls = await db.Set<Catalog.ModelDeployment>().Where(d => d.ModelId == model).Select(d => d.BaseUrl).ToListAsync(ct);
        return modelServers.For(urls.Select(pool.ResolveModelBaseUrl));
    }

    private BatchCheckpointDue NextCheckpointDue(CancellationToken ct) =>
        new(TimeSpan.FromMilliseconds(Math.Max(1, Options.CheckpointIntervalMs)), time, ct);

    /// <summary>True when results are waiting or the next checkpoint is due; false when no more will come.</summary>
    private static async ValueTask<bool> WaitForResultsAsync(ChannelReader<BatchResultLine> reader, CancellationToken checkpointDue, CancellationToken ct)
    {
        if (reader.TryPeek(out _) || checkpointDue.IsCancellationRequested) return true;
        try { return await reader.WaitToReadAsync(checkpointDue); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return true; }
    }
}
