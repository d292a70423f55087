namespace Portal.Core.Batches;

/// <summary>
/// One runner's working state for a batch, rebuilt from the checkpoint at every (re)start and dropped on a crash:
/// the partial files and, for exactly the lines they hold, the done-lines bitmap, counts and tokens. Only the
/// runner's single writer loop changes it, so a checkpoint always records a consistent cut.
/// </summary>
internal sealed class BatchRun(Batch batch, int contextLength, BatchCheckpoint checkpoint, BatchPartialFiles files, long startedAt) : IDisposable
{
    public string BatchId { get; } = batch.Id;
    public Guid TenantId { get; } = batch.TenantId;
    public string Endpoint { get; } = batch.Endpoint;
    public string InputFileId { get; } = batch.InputFileId;
    public int RequestTotal { get; } = batch.RequestTotal;
    public int ContextLength { get; } = contextLength;
    public long InputPrice { get; } = batch.InputMicrosPerMillionTokens;
    public long OutputPrice { get; } = batch.OutputMicrosPerMillionTokens;

    public byte[] Done { get; } = Sized(checkpoint.DoneLines, batch.RequestTotal);
    public int Completed { get; private set; } = checkpoint.Completed;
    public int Failed { get; private set; } = checkpoint.Failed;
    public long InputTokens { get; private set; } = checkpoint.InputTokens;
    public long OutputTokens { get; private set; } = checkpoint.OutputTokens;
    public BatchPartialFiles Files { get; } = files;

    /// <summary>Lines appended since the last checkpoint, and when it was taken (a <see cref="TimeProvider"/> timestamp).</summary>
    public int SinceCheckpoint { get; private set; }
    public long CheckpointedAt { get; private set; } = startedAt;

    public bool AllDone => Completed + Failed >= RequestTotal;

    /// <summary>Input tokens and output tokens at the batch's prices, rounded to the nearest micro-dollar on the totals.</summary>
    public long CostMicros => Cost(InputTokens, OutputTokens, InputPrice, OutputPrice);

    public static long Cost(long inputTokens, long outputTokens, long inputPrice, long outputPrice) =>
        (long)(((Int128)inputTokens * inputPrice + (Int128)outputTokens * outputPrice + 500_000) / 1_000_000);

    public bool IsDone(int index) => IsSet(Done, index);

    public static bool IsSet(byte[] bitmap, int index) => index >> 3 < bitmap.Length && (bitmap[index >> 3] & (1 << (index & 7))) != 0;

    /// <summary>Appends a finished line to its file and marks it done; a line already done is ignored (never written twice).</summary>
    public bool Add(BatchResultLine result)
    {
        if (result.Index < 0 || result.Index >= RequestTotal || IsDone(result.Index)) return false;
        if (result.IsOutput) Files.AppendOutput(result.Json);
        else Files.AppendError(result.Json);
        Done[result.Index >> 3] |= (byte)(1 << (result.Index & 7));
        if (result.IsOutput) Completed++;
        else Failed++;
        InputTokens += result.InputTokens;
        OutputTokens += result.OutputTokens;
        SinceCheckpoint++;
        return true;
    }

    public void CheckpointTaken(long at) => (SinceCheckpoint, CheckpointedAt) = (0, at);

    private static byte[] Sized(byte[] bitmap, int lines)
    {
        var bytes = (lines + 7) / 8;
        if (bitmap.Length == bytes) return [.. bitmap];
        var sized = new byte[bytes];
        bitmap.AsSpan(0, Math.Min(bytes, bitmap.Length)).CopyTo(sized);
        return sized;
    }

    public void Dispose() => Files.Dispose();
}

/// <summary>
/// Test seams at the runner's crash-sensitive steps (<c>dispatch</c>, <c>appended</c>, <c>synced</c>, <c>committing</c>,
/// <c>committed</c>, <c>finalize-decided</c>, <c>finalize-moved</c>): a test throws or cancels the job from here to kill
/// the runner at exactly that point. Nothing is registered in production.
/// </summary>
public sealed class BatchRunHooks
{
    public Action<string>? OnStep { get; set; }

    internal void Step(string name) => OnStep?.Invoke(name);
}
