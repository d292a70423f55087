using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Batches;

public sealed partial class RunBatchJob
{
    /// <summary>
    /// Dispatches the lines not done yet and appends their results until all are done or the run must stop. One
    /// producer reads the input and starts a request per line when a server slot is free; request tasks hand their
    /// result lines to this loop, the only writer of the files and of the run's state, which checkpoints as it goes.
    /// </summary>
    private async Task<Stop> RunLinesAsync(BatchRun run, Batch batch, CancellationToken ct)
    {
        if (run.AllDone) return Stop.AllDone;
        var first = await CheckpointAsync(run, ct); // a heartbeat at start, and the latest status and tenant state
        if (StopFor(first) is { } early) return early;
        if (!files.Exists(run.InputFileId))
        {
            logger.LogWarning("Batch {Batch}: its input file {File} was deleted; the rest expires with the batch", run.BatchId, run.InputFileId);
            return Stop.Paused;
        }
        var servers = await ServersAsync(run, batch.Model, ct);
        if (servers.Count == 0)
        {
            logger.LogWarning("Batch {Batch}: model {Model} has no deployment; paused until it has one", run.BatchId, batch.Model);
            return Stop.Paused;
        }
        var sender = new BatchLineSender(httpClients.CreateClient(HttpClientName), Options, time, run.Endpoint);

        using var stopDispatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var abortTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var abortInFlight = CancellationTokenSource.CreateLinkedTokenSource(ct, abortTimer.Token);
        // Synchronous continuations: the request that hands in a result runs this loop on its own thread, instead of
        // queueing it to the thread pool once per line (a wake-up per line cost more CPU than appending the line).
        var results = Channel.CreateBounded<BatchResultLine>(new BoundedChannelOptions(1024) { SingleReader = true, AllowSynchronousContinuations = true });
        var alreadyDone = (byte[])run.Done.Clone();
        var producer = Task.Run(() => ProduceAsync(run, alreadyDone, servers, sender, results.Writer,
            stopDispatching.Token, abortInFlight.Token, ct), CancellationToken.None);
        Stop? stop = null;
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
                var seen = await CheckpointAsync(run, ct);
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
            await CheckpointAsync(run, ct);
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
        if (run.AllDone) return Stop.AllDone;
        logger.LogError("Batch {Batch}: the input ended with {Done} of {Total} lines done; paused", run.BatchId, run.Completed + run.Failed, run.RequestTotal);
        return Stop.Paused;
    }

    /// <summary>Why to stop dispatching, from what the last checkpoint read; null to go on.</summary>
    private Stop? StopFor(BatchSeen seen)
    {
        if (seen.Status == BatchStatus.Cancelling) return Stop.Cancelled;
        if (seen.Status != BatchStatus.InProgress) return Stop.Paused; // someone else decided; the wrap-up reads the row
        if (transitions.Now >= seen.ExpiresAt) return Stop.Expired;
        return seen.Suspended ? Stop.Paused : null;
    }

    /// <summary>
    /// Cancelled when the next checkpoint is due by time (or the run is cancelled). One timer per checkpoint, not one
    /// per wait: results arrive thousands of times a second, and arming a timer for each wait cost the runner CPU.
    /// </summary>
    private sealed class CheckpointDue : IDisposable
    {
        private readonly CancellationTokenSource timer, linked;

        public CheckpointDue(TimeSpan interval, TimeProvider time, CancellationToken ct)
        {
            timer = new CancellationTokenSource(interval, time);
            linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        }

        public CancellationToken Token => linked.Token;
        public bool IsDue => linked.IsCancellationRequested;

        public void Dispose()
        {
            linked.Dispose();
            timer.Dispose();
        }
    }

    private CheckpointDue NextCheckpointDue(CancellationToken ct) =>
        new(TimeSpan.FromMilliseconds(Math.Max(1, Options.CheckpointIntervalMs)), time, ct);

    /// <summary>True when results are waiting or the next checkpoint is due; false when no more will come.</summary>
    private static async ValueTask<bool> WaitForResultsAsync(ChannelReader<BatchResultLine> reader, CancellationToken checkpointDue, CancellationToken ct)
    {
        if (reader.TryPeek(out _) || checkpointDue.IsCancellationRequested) return true;
        try { return await reader.WaitToReadAsync(checkpointDue); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return true; }
    }
}
