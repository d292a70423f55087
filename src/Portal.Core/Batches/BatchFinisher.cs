using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Portal.Core.Batches;

/// <summary>
/// Wraps up a batch that stopped dispatching: writes its unfinished lines as errors (cancel, expiry), then turns the
/// partial files into the output and error files and sets the final state. Every step is resumable after a crash.
/// </summary>
public sealed class BatchFinisher(BatchTransitions transitions, BatchFileStore files, BatchCheckpointer checkpointer,
    IOptions<BatchOptions> options, BatchRunHooks hooks)
{
    private BatchOptions Options => options.Value;

    /// <summary>
    /// Writes every line not done as an error with <paramref name="code"/> (<c>batch_cancelled</c>, <c>batch_expired</c>),
    /// streaming the input for their custom_ids, checkpointing as it goes; resumable like the run itself.
    /// </summary>
    internal async Task FillRemainingAsync(BatchRun run, string code, string message, CancellationToken ct)
    {
        if (!files.Exists(run.InputFileId))
        {
            // The input was deleted under a running batch: its custom_ids are gone with it, the lines still count.
            for (var index = 0; index < run.RequestTotal && !run.AllDone; index++)
                if (!run.IsDone(index)) run.Add(BatchResultLine.Failure(index, null, code, message + " (The input file was deleted.)"));
            await checkpointer.CheckpointAsync(run, ct);
            return;
        }
        await using (var stream = files.OpenRead(run.InputFileId))
        using (var reader = new BatchLineReader(stream, Options.MaxLineBytes))
        {
            var index = -1;
            while (!run.AllDone && await reader.ReadAsync(ct))
            {
                if (reader.IsBlank) continue;
                if (++index >= run.RequestTotal) break;
                if (run.IsDone(index)) continue;
                string? customId;
                using (var line = BatchRequestLine.Parse(reader.Line, reader.LineNumber, !reader.EndsWithNewline, out _))
                    customId = line?.CustomId;
                run.Add(BatchResultLine.Failure(index, customId, code, message));
                hooks.Step("appended");
                if (run.SinceCheckpoint >= Options.CheckpointEveryLines) await checkpointer.CheckpointAsync(run, ct);
            }
        }
        await checkpointer.CheckpointAsync(run, ct);
    }

    /// <summary>
    /// Turns the partial files of a batch whose lines are all done into its output and error files, in three
    /// repeatable steps: (1) choose the file ids and record them on the batch (none for an empty file, as OpenAI
    /// gives null); (2) move each partial file to its id; (3) add the files' rows and set the final status,
    /// counts, tokens and cost. A crash between steps resumes at the step it stopped in.
    /// </summary>
    public async Task FinishAsync(string batchId, CancellationToken ct)
    {
        var found = await transitions.FindAsync(batchId, ct);
        if (found is null || found.IsFinished) return;
        BatchCheckpoint checkpoint;
        await using (var db = await transitions.TenantDbAsync(found.TenantId, ct))
            checkpoint = await db.BatchCheckpoints.AsNoTracking().FirstAsync(c => c.BatchId == batchId, ct);
        if (checkpoint.Completed + checkpoint.Failed < found.RequestTotal)
            throw new InvalidOperationException(
                $"Batch {batchId} cannot finish with {checkpoint.Completed + checkpoint.Failed} of {found.RequestTotal} lines done.");

        var decided = await transitions.ChangeAsync(batchId, b =>
        {
            if (b.IsFinished) return false;
            var changed = false;
            if (b.OutputFileId is null && checkpoint.OutputBytes > 0) (b.OutputFileId, changed) = (BatchFileStore.NewId("file-"), true);
            if (b.ErrorFileId is null && checkpoint.ErrorBytes > 0) (b.ErrorFileId, changed) = (BatchFileStore.NewId("file-"), true);
            return changed;
        }, ct);
        if (decided is null || decided.IsFinished) return;
        hooks.Step("finalize-decided");

        BatchPartialFiles.Publish(files, BatchPartialFiles.OutputId(batchId), decided.OutputFileId, checkpoint.OutputBytes);
        BatchPartialFiles.Publish(files, BatchPartialFiles.ErrorId(batchId), decided.ErrorFileId, checkpoint.ErrorBytes);
        hooks.Step("finalize-moved");

        await transitions.ChangeAsync(batchId, async (b, db) =>
        {
            var now = transitions.Now;
            switch (b.Status)
            {
                case BatchStatus.Cancelling: (b.Status, b.CancelledAt) = (BatchStatus.Cancelled, now); break;
                case BatchStatus.Finalizing when b.ExpiredAt is not null: b.Status = BatchStatus.Expired; break;
                case BatchStatus.Finalizing: (b.Status, b.CompletedAt) = (BatchStatus.Completed, now); break;
                default: return false;
            }
            (b.RequestCompleted, b.RequestFailed) = (checkpoint.Completed, checkpoint.Failed);
            (b.InputTokens, b.OutputTokens) = (checkpoint.InputTokens, checkpoint.OutputTokens);
            b.CostMicros = BatchRun.Cost(checkpoint.InputTokens, checkpoint.OutputTokens, b.InputMicrosPerMillionTokens, b.OutputMicrosPerMillionTokens);
            await AddFileAsync(db, b, b.OutputFileId, "output", checkpoint.OutputBytes, checkpoint.Completed, now, ct);
            await AddFileAsync(db, b, b.ErrorFileId, "error", checkpoint.ErrorBytes, checkpoint.Failed, now, ct);
            return true;
        }, ct);
        hooks.Step("finalize-committed");
    }

    private async Task AddFileAsync(Data.PortalDbContext db, Batch b, string? fileId, string kind, long bytes, int lines, DateTime now, CancellationToken ct)
    {
        if (fileId is null || await db.BatchFiles.AnyAsync(f => f.Id == fileId, ct)) return;
        db.BatchFiles.Add(new BatchFile
        {
            Id = fileId, TenantId = b.TenantId, Filename = $"{b.Id}_{kind}.jsonl", Purpose = BatchFileService.OutputPurpose, Bytes = bytes, Lines = lines,
            CreatedAt = now, ExpiresAt = now.AddDays(Options.OutputRetentionDays), CreatedByUserId = b.CreatedByUserId,
        });
    }
}
