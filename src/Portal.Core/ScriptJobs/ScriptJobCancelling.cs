namespace Portal.Core.ScriptJobs;

/// <summary>Cancels a job for the calling member. (Stub: helper "launch".)</summary>
public sealed class ScriptJobCancelling
{
    /// <summary>Queued tasks end Cancelled at once; running ones get SIGTERM then SIGKILL through the pool. 404 for another tenant's job.</summary>
    public Task<ScriptJob> CancelAsync(Guid jobId, CancellationToken ct = default) => throw new NotImplementedException();
}
