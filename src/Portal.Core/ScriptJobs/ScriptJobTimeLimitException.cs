using Portal.Core.Leases;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A time limit that runs past the lease's end (400, <c>time_limit_past_lease_end</c>): says when the lease ends and
/// where to extend it, so a page can link there and the API can put both in its problem details.
/// </summary>
public sealed class ScriptJobTimeLimitException(string message, Guid leaseId, DateTime leaseEnd)
    : ScriptJobException("time_limit_past_lease_end", message, 400)
{
    /// <summary>The request field at fault, for a page that shows the message under it.</summary>
    public string Field => nameof(ScriptJobRequest.TimeLimitMinutes);
    public DateTime LeaseEnd { get; } = leaseEnd;
    /// <summary>The lease's page, where it is extended.</summary>
    public string ExtendUrl { get; } = LeaseLinks.Lease(leaseId);
}
