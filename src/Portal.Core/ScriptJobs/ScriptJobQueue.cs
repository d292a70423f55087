namespace Portal.Core.ScriptJobs;

/// <summary>The queue inside a lease: who is next, and why a job waits. (Stub: helper "supervisor".)</summary>
public sealed class ScriptJobQueue
{
    /// <summary>Why a queued job waits, or null when it does not (not queued, or not visible).</summary>
    public Task<JobWait?> DescribeWaitAsync(Guid jobId, CancellationToken ct = default) => throw new NotImplementedException();
}
