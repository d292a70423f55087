using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Pool;

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
/// Idempotent: one runner per batch at a time (<see cref="BatchRunLock"/>); a finished batch is left alone; a crash
/// while finalizing resumes finalizing.
/// </summary>
[AutomaticRetry(Attempts = 5)]
public sealed partial class RunBatchJob(BatchTransitions transitions, BatchFileStore files, BatchRunLock locks,
    IHttpClientFactory httpClients, IGpuPoolDriver pool, IOptions<BatchOptions> options, BatchRunHooks hooks,
    TimeProvider time, ILogger<RunBatchJob> logger)
{
    public const string HttpClientName = "batches";

    private enum Stop { AllDone, Cancelled, Expired, Paused }

    private BatchOptions Options => options.Value;

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
            Stop stop;
            using (var run = await OpenAsync(batch, ct))
            {
                stop = await RunLinesAsync(run, batch, ct);
                logger.LogInformation("Batch {Batch}: {Stop} at {Done}/{Total} lines", batchId, stop, run.Completed + run.Failed, run.RequestTotal);
            }
            if (stop == Stop.Paused) return;
            if (stop is Stop.AllDone or Stop.Expired)
                await transitions.ChangeAsync(batchId, b =>
                {
                    if (b.Status != BatchStatus.InProgress) return false; // a cancel came first: it decides
                    b.Status = BatchStatus.Finalizing;
                    b.FinalizingAt = transitions.Now;
                    if (stop == Stop.Expired) b.ExpiredAt = transitions.Now;
                    return true;
                }, ct);
        }

        batch = await transitions.FindAsync(batchId, ct);
        if (batch is null || batch.IsFinished || batch.Status is not (BatchStatus.Cancelling or BatchStatus.Finalizing)) return;
        var (code, reason) = batch.Status == BatchStatus.Cancelling
            ? ("batch_cancelled", "This request was not run: the batch was cancelled.")
            : ("batch_expired", $"This request was not run: the batch expired (completion window {batch.CompletionWindow}).");
        if (batch.Status == BatchStatus.Cancelling || batch.ExpiredAt is not null)
        {
            // Lines not done yet become errors; once all are done the files may already be moved: do not reopen them.
            await using var db = await transitions.TenantDbAsync(batch.TenantId, ct);
            var done = await db.BatchCheckpoints.Where(c => c.BatchId == batchId).Select(c => c.Completed + c.Failed).FirstOrDefaultAsync(ct);
            if (done < batch.RequestTotal)
            {
                using var run = await OpenAsync(batch, ct);
                await FillRemainingAsync(run, code, reason, ct);
            }
        }
        await FinishAsync(batchId, ct);
    }

    /// <summary>The run's state from the checkpoint (created empty on the first run), with the partial files cut back to it.</summary>
    private async Task<BatchRun> OpenAsync(Batch batch, CancellationToken ct)
    {
        await using var db = await transitions.TenantDbAsync(batch.TenantId, ct);
        var checkpoint = await db.BatchCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.BatchId == batch.Id, ct);
        if (checkpoint is null)
        {
            checkpoint = new BatchCheckpoint
            {
                BatchId = batch.Id, TenantId = batch.TenantId, DoneLines = new byte[(batch.RequestTotal + 7) / 8], UpdatedAt = transitions.Now,
            };
            db.BatchCheckpoints.Add(checkpoint);
            await db.SaveChangesAsync(ct);
        }
        var contextLength = await db.Models.Where(m => m.Id == batch.Model).Select(m => m.ContextLength).FirstOrDefaultAsync(ct);
        var partial = BatchPartialFiles.Open(files, batch.Id, checkpoint.OutputBytes, checkpoint.ErrorBytes);
        return new BatchRun(batch, contextLength, checkpoint, partial, time.GetTimestamp());
    }

    /// <summary>The model's servers (deployments resolved to base URLs; every <c>simulator:</c> one is the embedded pool).</summary>
    private async Task<BatchModelServers> ServersAsync(BatchRun run, string? model, CancellationToken ct)
    {
        await using var db = await transitions.TenantDbAsync(run.TenantId, ct);
        var urls = await db.Set<Catalog.ModelDeployment>().Where(d => d.ModelId == model).Select(d => d.BaseUrl).ToListAsync(ct);
        return new BatchModelServers(urls.Select(pool.ResolveModelBaseUrl), Options.ConcurrencyPerDeployment);
    }
}
