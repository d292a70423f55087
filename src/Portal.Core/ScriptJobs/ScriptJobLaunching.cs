using Portal.Core.Leases;

namespace Portal.Core.ScriptJobs;

/// <summary>Launches jobs on a lease: validates, stores the job Queued (idempotent by key), wakes the dispatcher. (Stub: helper "launch".)</summary>
public sealed class ScriptJobLaunching
{
    /// <summary>
    /// Throws <see cref="ScriptJobException"/> / <see cref="Refusals.FieldsRefusedException"/> for bad input,
    /// <see cref="LeaseException"/> 404 for a lease not visible to the caller. Creates nothing when it throws.
    /// </summary>
    public Task<ScriptJob> LaunchAsync(Guid leaseId, ScriptJobRequest request, CancellationToken ct = default) =>
        throw new NotImplementedException();
}
