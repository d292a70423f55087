namespace Portal.Core.ScriptJobs;

/// <summary>
/// Copies a task's new log bytes and GPU samples from the pool into the portal's keep (capped, secrets masked), so
/// they outlive the pool's copy. The supervisor calls it on every pass for running tasks and once more when a task ends.
/// (Stub: helper "logs".)
/// </summary>
public sealed class ScriptJobOutputCollector
{
    /// <summary>Idempotent: copies from the task's recorded offsets and advances them; a second call with nothing new does nothing.</summary>
    public Task CollectAsync(Guid taskId, CancellationToken ct = default) => throw new NotImplementedException();

    /// <summary>At a job's end: the metrics summary (mean utilisation, peak memory, idle GPUs) and KeepUntil.</summary>
    public Task SummarizeAsync(Guid jobId, CancellationToken ct = default) => throw new NotImplementedException();
}
