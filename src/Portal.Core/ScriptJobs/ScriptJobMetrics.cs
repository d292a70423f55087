namespace Portal.Core.ScriptJobs;

/// <summary>A job's GPU samples as kept by the portal. (Stub: helper "logs".)</summary>
public sealed class ScriptJobMetrics
{
    /// <summary>Samples after <paramref name="after"/> (all when null), oldest first; null when the job is not visible.</summary>
    public Task<IReadOnlyList<ScriptJobSample>?> ReadAsync(Guid jobId, DateTime? after, CancellationToken ct = default) =>
        throw new NotImplementedException();
}
