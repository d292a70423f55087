using Microsoft.EntityFrameworkCore;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

public sealed partial class RunBatchJob
{
    /// <summary>
    /// Makes the run's progress durable: the partial files are synced to disk first, then one transaction records
    /// their lengths with the bitmap, counts and tokens of exactly the lines they hold, and copies request_counts,
    /// tokens and cost onto the batch (without touching its version, so a cancel never conflicts with progress).
    /// A crash before the commit loses only appended lines, which the next run cuts off and sends again. Returns the
    /// batch's status and window and whether its tenant is suspended, as read in that transaction; wakes open pages.
    /// </summary>
    private async Task<BatchSeen> CheckpointAsync(BatchRun run, CancellationToken ct)
    {
        run.Files.Sync();
        hooks.Step("synced");
        var now = transitions.Now;
        var (outputBytes, errorBytes, done) = (run.Files.OutputBytes, run.Files.ErrorBytes, run.Done);
        var (completed, failed, input, output, cost) = (run.Completed, run.Failed, run.InputTokens, run.OutputTokens, run.CostMicros);

        await using var db = await transitions.TenantDbAsync(run.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.BatchCheckpoints.Where(c => c.BatchId == run.BatchId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.OutputBytes, outputBytes)
            .SetProperty(c => c.ErrorBytes, errorBytes)
            .SetProperty(c => c.DoneLines, done)
            .SetProperty(c => c.Completed, completed)
            .SetProperty(c => c.Failed, failed)
            .SetProperty(c => c.InputTokens, input)
            .SetProperty(c => c.OutputTokens, output)
            .SetProperty(c => c.UpdatedAt, now), ct);
        await db.Batches.Where(b => b.Id == run.BatchId).ExecuteUpdateAsync(s => s
            .SetProperty(b => b.RequestCompleted, completed)
            .SetProperty(b => b.RequestFailed, failed)
            .SetProperty(b => b.InputTokens, input)
            .SetProperty(b => b.OutputTokens, output)
            .SetProperty(b => b.CostMicros, cost), ct);
        var row = await db.Batches.Where(b => b.Id == run.BatchId).Select(b => new { b.Status, b.ExpiresAt }).FirstAsync(ct);
        var suspended = await db.Tenants.AnyAsync(t => t.Id == run.TenantId && t.State == TenantState.Suspended, ct);
        hooks.Step("committing");
        await tx.CommitAsync(ct);
        hooks.Step("committed");

        run.CheckpointTaken(time.GetTimestamp());
        transitions.Publish(run.TenantId, run.BatchId);
        return new BatchSeen(row.Status, row.ExpiresAt, suspended);
    }

    /// <summary>
    /// Writes every line not done as an error with <paramref name="code"/> (<c>batch_cancelled</c>, <c>batch_expired</c>),
    /// streaming the input for their custom_ids, checkpointing as it goes; resumable like the run itself.
    /// </summary>
    private async Task FillRemainingAsync(BatchRun run, string code, string message, CancellationToken ct)
    {
        if (!files.Exists(run.InputFileId))
        {
            // The input was deleted under a running batch: its custom_ids are gone with it, the lines still count.
            for (var index = 0; index < run.RequestTotal && !run.AllDone; index++)
                if (!run.IsDone(index)) run.Add(BatchResultLine.Failure(index, null, code, message + " (The input file was deleted.)"));
            await CheckpointAsync(run, ct);
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
                if (run.SinceCheckpoint >= Options.CheckpointEveryLines) await CheckpointAsync(run, ct);
            }
        }
        await CheckpointAsync(run, ct);
    }

    /// <summary>What a checkpoint read about the batch and its tenant.</summary>
    private readonly record struct BatchSeen(BatchStatus Status, DateTime ExpiresAt, bool Suspended);
}
