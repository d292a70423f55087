using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Batches;

/// <summary>
/// Checks every line of a batch's input before anything runs (status <c>validating</c>), then starts the runner.
/// <para>
/// File-level or line-level? OpenAI fails the whole batch on validation errors; our standards say a malformed line
/// fails that line, not the batch. The line we draw: a problem that makes the file ambiguous or the batch unrunnable
/// as a whole, or that leaves a line we cannot report on by itself, fails the batch here, with <c>errors.data</c>
/// naming each line and reason, and nothing is run or charged. That is: not UTF-8, empty, over the size, line or
/// line-length limits, a line that is not a JSON object (or a truncated last line), a custom_id that is missing, not a
/// string, over 64 characters or used twice (the output could not be matched back), a method other than POST, a url
/// other than the batch's endpoint, a body that is not an object, and a model that is missing, unknown, retired, of
/// the wrong kind, or different from the other lines' (a batch runs and is priced as one model).
/// A request that is well formed but cannot succeed is line-level: a body over the model's context fails that line
/// alone (<c>context_length_exceeded</c> in the error file, never sent, never charged), and at run time anything the
/// model server rejects goes to the error file with its status code. Those lines count as failed.
/// </para>
/// Idempotent: a batch past <c>validating</c> is left alone; one cancelled meanwhile becomes <c>cancelled</c> with no
/// files (nothing ran); a run that loses a race with a cancel decides again on the cancel's row.
/// </summary>
[AutomaticRetry(Attempts = 3)]
public sealed class ValidateBatchJob(BatchTransitions transitions, BatchFileStore files, IOptions<BatchOptions> options,
    IBackgroundJobClient jobs, ILogger<ValidateBatchJob> logger)
{
    public async Task RunAsync(string batchId, CancellationToken ct)
    {
        var batch = await transitions.FindAsync(batchId, ct);
        // Past validation (a cancel while running is the runner's: finished lines stay, the rest become batch_cancelled).
        if (batch is null || batch.InProgressAt is not null || batch.Status is not (BatchStatus.Validating or BatchStatus.Cancelling)) return;

        var scan = batch.Status == BatchStatus.Validating ? await ScanAsync(batch, ct) : null;
        var started = false;
        var saved = await transitions.ChangeAsync(batchId, async (b, db) =>
        {
            started = false;
            var now = transitions.Now;
            if (b.Status == BatchStatus.Cancelling && b.InProgressAt is null)
            {
                b.Status = BatchStatus.Cancelled; // nothing ran: no output, no error file, nothing charged
                b.CancelledAt = now;
                return true;
            }
            if (b.Status != BatchStatus.Validating || scan is null) return false;
            if (now >= b.ExpiresAt)
            {
                b.Status = BatchStatus.Expired;
                b.ExpiredAt = now;
                return true;
            }
            if (scan.Errors.Count > 0)
            {
                b.Status = BatchStatus.Failed;
                b.FailedAt = now;
                b.ErrorsJson = scan.Errors.ToJson();
                return true;
            }
            var model = await db.Models.AsNoTracking().FirstAsync(m => m.Id == scan.Model, ct);
            b.Model = model.Id;
            b.InputMicrosPerMillionTokens = model.InputMicrosPerMillionTokens;
            b.OutputMicrosPerMillionTokens = model.OutputMicrosPerMillionTokens;
            b.RequestTotal = scan.Requests;
            b.RequestCompleted = b.RequestFailed = 0;
            b.Status = BatchStatus.InProgress;
            b.InProgressAt = now;
            if (await db.BatchFiles.FirstOrDefaultAsync(f => f.Id == b.InputFileId, ct) is { } input) input.Lines = scan.Requests;
            return started = true;
        }, ct);

        if (saved is null) return;
        if (started)
        {
            logger.LogInformation("Batch {Batch} validated: {Requests} requests for {Model} ({Oversized} over the model's context)",
                batchId, scan!.Requests, scan.Model, scan.OverContext);
            jobs.Enqueue<RunBatchJob>(j => j.RunAsync(batchId, CancellationToken.None));
        }
        else if (saved.Status == BatchStatus.Failed && scan is { Errors.Count: > 0 })
            logger.LogInformation("Batch {Batch} failed validation with {Count} problems", batchId, scan.Errors.Count);
    }

    /// <summary>Reads the input once, a line at a time (memory does not grow with the file, only with MaxLines' custom_ids).</summary>
    private async Task<BatchInputScan> ScanAsync(Batch batch, CancellationToken ct)
    {
        var limits = options.Value;
        var errors = new BatchErrorList();
        await using var db = await transitions.TenantDbAsync(batch.TenantId, ct);
        var input = await db.BatchFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == batch.InputFileId, ct);
        if (input is null || input.DeletedAt is not null || !files.Exists(input.Id))
        {
            errors.Add(new("file_not_found", $"The input file {batch.InputFileId} does not exist or was deleted.", "input_file_id"));
            return new(errors, 0, null, 0);
        }
        var models = await db.Models.AsNoTracking().ToDictionaryAsync(m => m.Id, ct);

        await using var stream = files.OpenRead(input.Id);
        return await BatchInputScanner.ScanAsync(stream, batch.Endpoint, models, limits, ct);
    }
}
