using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>The kept logs of jobs (stdout, stderr per task), read by byte offset. (Stub: helper "logs".)</summary>
public sealed class ScriptJobLogs
{
    /// <summary>Up to <paramref name="maxBytes"/> from <paramref name="offset"/>; null when the job or task is not visible.</summary>
    public Task<JobLogChunk?> ReadAsync(Guid jobId, int taskIndex, PoolLogStream stream, long offset, int maxBytes,
        CancellationToken ct = default) => throw new NotImplementedException();
}
