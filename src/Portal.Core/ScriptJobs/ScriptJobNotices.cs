using System.Globalization;
using Portal.Core.Data;
using Portal.Core.Notifications;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// What members hear of a job: its end, with the real outcome, under the bell and by e-mail (the tenant's Owners
/// and Admins and whoever launched it, as for leases), written in the transaction that ends the job so that a
/// pass that loses the race writes no second one; and a "job" change for open pages on every change.
/// </summary>
public sealed class ScriptJobNotices(Notifier notifier, PortalChanges changes)
{
    public const string EndedKind = "job.ended";

    public static string Link(Guid jobId) => $"/jobs/{jobId}";

    // Who hears of a tenant's job ends, read once per tenant and launcher for the life of this instance: one sweep pass (it is
    // transient and only the pass's follower holds it), so a pass that ends many jobs of a tenant reads its members once.
    private readonly Dictionary<(Guid TenantId, string LaunchedBy), List<string>> recipients = [];

    public async Task AddEndedAsync(PortalDbContext db, ScriptJob job, CancellationToken ct)
    {
        var key = (job.TenantId, job.CreatedByUserId);
        if (!recipients.TryGetValue(key, out var to))
            recipients[key] = to = await Notifier.RecipientsAsync(db, job.TenantId, job.CreatedByUserId, ct);
        notifier.Add(db, to, job.TenantId, EndedKind, Title(job), Body(job), Link(job.Id));
    }

    /// <summary>After the commit: wake the pages that show the job (and the bell and the e-mails when a notice was added).</summary>
    public void AfterCommit(ScriptJob job, bool notified)
    {
        changes.Publish(new PortalChange(job.TenantId, PortalChange.Job, job.Id));
        if (notified) notifier.AfterCommit(job.TenantId, notified: true);
    }

    public static string Title(ScriptJob job) => job.State switch
    {
        Succeeded => $"Job succeeded: {job.Name}",
        Failed => $"Job failed: {job.Name}",
        Cancelled => $"Job cancelled: {job.Name}",
        TimedOut => $"Job timed out: {job.Name}",
        NodeFailed => $"Job stopped, node failed: {job.Name}",
        LeaseEnded => $"Job stopped at the lease's end: {job.Name}",
        _ => $"Job {job.State}: {job.Name}",
    };

    public static string Body(ScriptJob job)
    {
        var hours = (job.GpuSeconds / 3600.0).ToString("0.##", CultureInfo.InvariantCulture);
        var tasks = job.TaskCount == 1 ? "" : $" ({job.TaskCount} tasks)";
        return $"Your job {job.Name}{tasks} ended {job.State}: {job.Reason}. It used {hours} GPU-hours of its lease.";
    }
}
