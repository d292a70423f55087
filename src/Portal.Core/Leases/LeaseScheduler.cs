using Hangfire;
using Microsoft.Extensions.Options;

namespace Portal.Core.Leases;

/// <summary>
/// Schedules a lease's jobs at the moments they are due, so a lease starts and ends on time; the
/// minutely <see cref="LeaseLifecycleJob"/> provisions what starts later than <see cref="ScheduleHorizon"/> and
/// catches anything a schedule missed. Jobs get ids only.
/// </summary>
public sealed class LeaseScheduler(IBackgroundJobClient jobs, TimeProvider time, IOptions<LeaseOptions> options)
{
    /// <summary>
    /// Provisioning due within this long gets its own job, on the second; later starts are left to the minutely sweep,
    /// which provisions every lease whose start minus the lead has come. So a lease signed weeks ahead costs the job
    /// storage nothing until then, and signing is one write lighter.
    /// </summary>
    public static readonly TimeSpan ScheduleHorizon = TimeSpan.FromMinutes(15);

    public void LeaseSigned(Lease lease) => ScheduleProvisioning(lease.Id, lease.Start);

    public void ScheduleProvisioning(Guid leaseId, DateTime start)
    {
        var delay = DateTime.SpecifyKind(start, DateTimeKind.Utc) - options.Value.ProvisionLead - time.GetUtcNow().UtcDateTime;
        if (delay <= TimeSpan.Zero) jobs.Enqueue<ProvisionLeaseJob>(j => j.RunAsync(leaseId, CancellationToken.None));
        else if (delay <= ScheduleHorizon) jobs.Schedule<ProvisionLeaseJob>(j => j.RunAsync(leaseId, CancellationToken.None), delay);
    }

    public void LeaseEndChanged(Lease lease)
    {
        var delay = lease.End - time.GetUtcNow().UtcDateTime;
        jobs.Schedule<EndLeaseJob>(j => j.RunAsync(lease.Id, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
    }

    /// <summary>Gives the pool back what a cancelled, released or failed lease reserved.</summary>
    public void ReleaseOnPool(Guid leaseId) => jobs.Enqueue<EndLeaseJob>(j => j.RunAsync(leaseId, CancellationToken.None));
}
