using Hangfire;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Batches;

/// <summary>
/// Runs a validated batch: streams the input, sends each line to the model's servers (bounded per server,
/// retried with backoff), appends results to partial output and error files, and checkpoints (files synced, then
/// lengths + done-lines bitmap + counts committed with the batch's request_counts, tokens and cost in one
/// transaction). A (re)start cuts the files back to the checkpoint and skips the lines it holds, so every custom_id
/// ends up exactly once across the output and error files whatever crashes. On the wire it is at least once: lines
/// answered after the last checkpoint are sent again after a crash (at most one checkpoint's worth, ~1 s).
/// <para>
/// Cancel (<c>cancelling</c>): stop dispatching, let requests in flight finish for up to <c>CancelGraceSeconds</c>,
/// write every unfinished line as <c>batch_cancelled</c>, then <c>cancelled</c>. Expiry (past <c>ExpiresAt</c>): the
/// same with <c>batch_expired</c>, through <c>finalizing</c> to <c>expired</c>. A suspended tenant: the runner stops
/// dispatching, lets requests in flight finish, checkpoints and leaves the batch <c>in_progress</c>, paused; the sweep
/// resumes it once the tenant is active again, or expires it at the end of its window (unsent lines are not charged).
/// </para>
/// The Hangfire entry: it takes the batch (one runner per batch at a time) and hands the work to
/// <see cref="BatchCheckpointer"/>, <see cref="BatchLineDispatcher"/> and <see cref="BatchFinisher"/>.
/// Idempotent: one runner per batch at a time (<see cref="BatchRunLock"/>); a finished batch is left alone; a crash
/// while finalizing resumes finalizing.
/// </summary>
[AutomaticRetry(Attempts = 5)]
public sealed class RunBatchJob(BatchTransitions transitions, BatchRunLock locks, BatchCheckpointer checkpointer,
    BatchLineDispatcher dispatcher, BatchFinisher finisher, ILogger<RunBatchJob> logger)
{
    public const string HttpClientName = "batches";

    public async Task RunAsync(string batchId, CancellationToken ct)
    {
        var found = await transitions.FindAsync(batchId, ct);
        if (found is null || found.IsFinished || found.InProgressAt is null) return; // still validating: not ours yet
        await using var held = await locks.TryAcquireAsync(batchId, ct);
        if (held is null)
        {
            logger.LogDebug("Batch {Batch} is already running elsewhere", batchId);
            return;
        }
        var batch = await transitions.FindAsync(batchId, ct); // again, under the lock
        if (batch is null || batch.IsFinished) return;

        if (batch.Status == BatchStatus.InProgress)
        {
            BatchStop stop;
            using (var run = await checkpointer.OpenAsync(batch, ct))
            {
                stop = await dispatcher.RunAsync(run, batch, ct);
                logger.LogInformation("Batch {Batch}: {Stop} at {Done}/{Total} lines", batchId, stop, run.Completed + run.Failed, run.RequestTotal);
            }
            if (stop == BatchStop.Paused) return;
            if (stop is BatchStop.AllDone or BatchStop.Expired)
                await transitions.ChangeAsync(batchId, b =>
                {
                    if (b.Status != BatchStatus.InProgress) return false; // a cancel came first: it decides
                    b.Status = BatchStatus.Finalizing;
                    b.FinalizingAt = transitions.Now;
                    if (stop == BatchStop.Expired) b.ExpiredAt = transitions.Now;
                    return true;
                }, ct);
        }

        batch = await transitions.FindAsync(batchId, ct);
        if (batch is null || batch.IsFinished || batch.Status is not (BatchStatus.Cancelling or BatchStatus.Finalizing)) return;
        var (code, reason) = batch.Status == BatchStatus.Cancelling
            ? ("batch_cancelled", "This request was not run: the batch was cancelled.")
            : ("batch_expired", $"This request was not run: the batch expired (completion window {batch.CompletionWindow}).");
        // Lines not done yet become errors; once all are done the files may already be moved: do not reopen them.
        if ((batch.Status == BatchStatus.Cancelling || batch.ExpiredAt is not null)
            && await checkpointer.DoneLinesAsync(batch, ct) < batch.RequestTotal)
        {
            using var run = await checkpointer.OpenAsync(batch, ct);
            await finisher.FillRemainingAsync(run, code, reason, ct);
        }
        await finisher.FinishAsync(batchId, ct);
    }
}
