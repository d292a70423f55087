using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>The queue inside a lease, for the current tenant: why a job waits, and where it is in line.</summary>
public sealed class ScriptJobQueue(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Why a queued job waits, or null when it does not (not queued, or not visible).</summary>
    public async Task<JobWait?> DescribeWaitAsync(Guid jobId, CancellationToken ct = default) =>
        (await DescribeWaitsAsync(jobId, null, ct)).GetValueOrDefault(jobId);

    /// <summary>Why each waiting job of a lease waits (one read for a whole list); empty when the lease is not visible.</summary>
    public Task<Dictionary<Guid, JobWait>> DescribeLeaseAsync(Guid leaseId, CancellationToken ct = default) =>
        DescribeWaitsAsync(null, leaseId, ct);

    private async Task<Dictionary<Guid, JobWait>> DescribeWaitsAsync(Guid? jobId, Guid? leaseId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        leaseId ??= await db.ScriptJobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => (Guid?)j.LeaseId).FirstOrDefaultAsync(ct);
        if (leaseId is null) return [];
        var now = time.GetUtcNow().UtcDateTime;
        if (await ScriptJobLine.LoadAsync(db, leaseId.Value, now, ct) is not { } line) return [];
        if (!line.LeaseNotStarted) return ScriptJobPlacement.Waits(line.Reservations, line.Running, line.Queued);
        // Nothing runs before the lease starts: every job waits for that, in line all the same.
        var text = ScriptJobPlacement.WaitForStart(line.Lease.Start);
        return ScriptJobPlacement.InLine(line.Queued).Select((j, i) => (j.JobId, Wait: new JobWait(i + 1, j.GpusPerTask, 0, text)))
            .ToDictionary(x => x.JobId, x => x.Wait);
    }
}
