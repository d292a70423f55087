using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Reads jobs of the current tenant (the tenant filter hides everyone else's: another tenant's job or lease reads as
/// absent, a 404). Any member reads, Viewers included. Nothing returned carries the secrets' ciphertext
/// (<see cref="ScriptJob.SecretsProtected"/> is always null here); <see cref="ScriptJobVariables.ForDisplay"/> gives the
/// variables to show.
/// </summary>
public sealed class ScriptJobQueries(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>The states of a job that is not over yet.</summary>
    public static readonly ScriptJobState[] OpenStates = [ScriptJobState.Queued, ScriptJobState.Starting, ScriptJobState.Running];

    public const int MaxPageSize = 200;

    /// <summary>The job with its tasks (ordered by index); null when not visible (another tenant's: a 404).</summary>
    public async Task<ScriptJob?> GetAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks.OrderBy(t => t.Index)).FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is not null) job.SecretsProtected = null;
        return job;
    }

    /// <summary>
    /// A lease's jobs, newest first; null when the lease is not visible. Items leave out the script and the tasks
    /// (a sweep has up to 1,000, a script up to 1 MB): <see cref="GetAsync"/> has them.
    /// </summary>
    public async Task<ScriptJobPage?> ListForLeaseAsync(Guid leaseId, ScriptJobFilter filter, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Leases.AnyAsync(l => l.Id == leaseId, ct)) return null;
        return await PageAsync(db.ScriptJobs.Where(j => j.LeaseId == leaseId), filter, ct);
    }

    /// <summary>All the organisation's jobs, newest first, in the same shape as <see cref="ListForLeaseAsync"/>.</summary>
    public async Task<ScriptJobPage> ListAsync(ScriptJobFilter filter, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await PageAsync(db.ScriptJobs, filter, ct);
    }

    /// <summary>How many of a lease's jobs are in each state (for a lease page's summary); empty when not visible.</summary>
    public async Task<Dictionary<ScriptJobState, int>> CountByStateAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ScriptJobs.Where(j => j.LeaseId == leaseId).GroupBy(j => j.State)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
    }

    private static async Task<ScriptJobPage> PageAsync(IQueryable<ScriptJob> jobs, ScriptJobFilter filter, CancellationToken ct)
    {
        var q = jobs.AsNoTracking();
        if (filter.State is { } state) q = q.Where(j => j.State == state);
        if (filter.Search?.Trim() is { Length: > 0 } search)
        {
            // Case-insensitive on both databases (PostgreSQL's LIKE is not); Contains is a plain substring, no wildcards.
            var lowered = search.ToLowerInvariant();
            q = q.Where(j => j.Name.ToLower().Contains(lowered));
        }
        var total = await q.CountAsync(ct);
        var size = Math.Clamp(filter.PageSize, 1, MaxPageSize);
        var page = Math.Max(1, filter.Page);
        var items = await q.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Sequence).ThenByDescending(j => j.Id)
            .Skip((page - 1) * size).Take(size)
            .Select(j => new ScriptJob
            {
                Id = j.Id, TenantId = j.TenantId, LeaseId = j.LeaseId, Name = j.Name, Script = "",
                GpusPerTask = j.GpusPerTask, TaskCount = j.TaskCount, Priority = j.Priority, Sequence = j.Sequence,
                TimeLimitMinutes = j.TimeLimitMinutes, MaxRetries = j.MaxRetries, RetryExitCodes = j.RetryExitCodes, Profile = j.Profile,
                VariablesJson = j.VariablesJson, InputFilesJson = j.InputFilesJson,
                State = j.State, Reason = j.Reason, ExitCode = j.ExitCode, CancelledByUserId = j.CancelledByUserId, CancelledByName = j.CancelledByName,
                LeaseEndSignalledAt = j.LeaseEndSignalledAt, LaunchKey = j.LaunchKey, CreatedByUserId = j.CreatedByUserId,
                CreatedAt = j.CreatedAt, StartedAt = j.StartedAt, EndedAt = j.EndedAt,
                GpuSeconds = j.GpuSeconds, MeanGpuUtil = j.MeanGpuUtil, PeakFbUsedMiB = j.PeakFbUsedMiB, IdleGpus = j.IdleGpus, SampledGpus = j.SampledGpus,
                LogBytes = j.LogBytes, LogTruncated = j.LogTruncated, KeepUntil = j.KeepUntil, PurgedAt = j.PurgedAt, Version = j.Version,
            })
            .ToListAsync(ct);
        return new ScriptJobPage(items, total);
    }
}
