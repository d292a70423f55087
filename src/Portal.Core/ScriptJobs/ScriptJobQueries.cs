namespace Portal.Core.ScriptJobs;

/// <summary>Reads jobs of the current tenant. (Stub: helper "launch".)</summary>
public sealed class ScriptJobQueries
{
    /// <summary>The job with its tasks (ordered by index); null when not visible (another tenant's: a 404).</summary>
    public Task<ScriptJob?> GetAsync(Guid jobId, CancellationToken ct = default) => throw new NotImplementedException();

    /// <summary>A lease's jobs, newest first; null when the lease is not visible.</summary>
    public Task<ScriptJobPage?> ListForLeaseAsync(Guid leaseId, ScriptJobFilter filter, CancellationToken ct = default) =>
        throw new NotImplementedException();
}
