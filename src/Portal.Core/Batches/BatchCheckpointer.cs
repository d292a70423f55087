using Microsoft.EntityFrameworkCore;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

/// <summary>
/// A batch's durable progress: opens a run from its checkpoint (cutting the partial files back to it) and records
/// the run's progress in one transaction. Only the runner's single writer loop calls it for a given run.
/// </summary>
public sealed class BatchCheckpointer(BatchTransitions transitions, BatchFileStore files, BatchRunHooks hooks, TimeProvider time)
{
    /// <summary>The run's state from the checkpoint (created empty on the first run), with the partial files cut back to it.</summary>
    internal async Task<BatchRun> OpenAsync(Batch batch, CancellationToken ct)
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

    /// <summary>How many lines the last checkpoint holds (0 when there is none yet).</summary>
    internal async Task<int> DoneLinesAsync(Batch batch, CancellationToken ct)
    {
        await using var db = await transitions.TenantDbAsync(batch.TenantId, ct);
        return await db.BatchCheckpoints.Where(c => c.BatchId == batch.Id).Select(c => c.Completed + c.Failed).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Makes the run's progress durable: the partial files are synced to disk first, then one transaction records
    /// their lengths with the bitmap, counts and tokens of exactly the lines they hold, and copies request_counts,
    /// tokens and cost onto the batch (without touching its version, so a cancel never conflicts with progress).
    /// A crash before the commit loses only appended lines, which the next run cuts off and sends again. Returns the
    /// batch's status and window and whether its tenant is suspended, as read in that transaction; wakes open pages.
    /// </summary>
    internal async Task<BatchSeen> CheckpointAsync(BatchRun run, CancellationToken ct)
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
}

/// <summary>What a checkpoint read about the batch and its tenant.</summary>
internal readonly record struct BatchSeen(BatchStatus Status, DateTime ExpiresAt, bool Suspended);
