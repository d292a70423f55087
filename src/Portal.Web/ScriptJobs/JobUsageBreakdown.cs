using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Core.Spend;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// The usage page's break-down of leases by job: every lease of the organisation that was Active during the period (and of
/// the chosen SKU), with its GPU-hours so far split into each job's and the idle rest (<see cref="LeaseJobHours"/>). Whole
/// leases, not clipped to the period: a job's GPU-hours are not kept per hour.
/// </summary>
public static class JobUsageBreakdown
{
    /// <summary>The most leases one page or CSV lists (newest first).</summary>
    public const int MaxLeases = 200;

    public sealed record JobRow(Guid Id, string Name, ScriptJobState State, DateTime? StartedAt, DateTime? EndedAt, long GpuSeconds);

    public sealed record LeaseRow(Lease Lease, LeaseJobHours Hours, IReadOnlyList<JobRow> Jobs);

    public static async Task<List<LeaseRow>> ReadAsync(IDbContextFactory<PortalDbContext> dbFactory, UsageFilter filter, DateTime now,
        CancellationToken ct = default)
    {
        var (from, to) = (filter.FromUtc, filter.ToUtc);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The tenant filter keeps this to the member's own organisation.
        var leases = db.Leases.AsNoTracking().Where(l => l.ActivatedAt != null && l.ActivatedAt < to
            && (l.EndedAt ?? l.ReleasedAt ?? l.End) > from);
        if (filter.SkuId is { } sku) leases = leases.Where(l => l.SkuId == sku);
        else if (filter.Model is not null) return []; // only batch usage was asked for
        var chosen = await leases.OrderByDescending(l => l.Start).Take(MaxLeases).ToListAsync(ct);
        var ids = chosen.Select(l => l.Id).ToList();
        var jobs = (await db.ScriptJobs.AsNoTracking().Where(j => ids.Contains(j.LeaseId))
                .Select(j => new { j.LeaseId, Row = new JobRow(j.Id, j.Name, j.State, j.StartedAt, j.EndedAt, j.GpuSeconds), j.Sequence })
                .ToListAsync(ct))
            .GroupBy(j => j.LeaseId).ToDictionary(g => g.Key, g => g.OrderBy(j => j.Sequence).Select(j => j.Row).ToList());
        return chosen.Select(l =>
        {
            var ofLease = jobs.GetValueOrDefault(l.Id) ?? [];
            return new LeaseRow(l, LeaseJobHours.Of(l, ofLease.Sum(j => j.GpuSeconds), now), ofLease);
        }).ToList();
    }
}
