using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>One point of a GPU's series on the job page's chart (DCGM: utilisation %, memory used MiB, power W).</summary>
public sealed record ScriptJobMetricPoint(DateTime At, double GpuUtil, double FbUsedMiB, double PowerUsageWatts);

/// <summary>One GPU of a job over time: "task 0 · GPU 1" (a task's GPU index on its node), oldest point first.</summary>
public sealed record ScriptJobGpuSeries(int TaskIndex, int GpuIndex, string Label, IReadOnlyList<ScriptJobMetricPoint> Points);

/// <summary>A job's GPU samples as kept by the portal, for the current tenant only.</summary>
public sealed class ScriptJobMetrics(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>Samples after <paramref name="after"/> (all when null), oldest first; null when the job is not visible.</summary>
    public async Task<IReadOnlyList<ScriptJobSample>?> ReadAsync(Guid jobId, DateTime? after, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.ScriptJobs.AnyAsync(j => j.Id == jobId, ct)) return null;
        var samples = db.ScriptJobSamples.AsNoTracking().Where(s => s.JobId == jobId);
        if (after is { } a) samples = samples.Where(s => s.At > a);
        return await samples.OrderBy(s => s.At).ThenBy(s => s.TaskIndex).ThenBy(s => s.GpuIndex).ThenBy(s => s.Id).ToListAsync(ct);
    }

    /// <summary>The chart's series, one per GPU (ordered by task, then GPU); null when the job is not visible.</summary>
    public async Task<IReadOnlyList<ScriptJobGpuSeries>?> ReadSeriesAsync(Guid jobId, DateTime? after = null, CancellationToken ct = default) =>
        await ReadAsync(jobId, after, ct) is { } samples ? Series(samples) : null;

    /// <summary>Samples grouped into per-GPU series (pure: the page can add live samples to what it has).</summary>
    public static IReadOnlyList<ScriptJobGpuSeries> Series(IEnumerable<ScriptJobSample> samples) =>
        [.. samples.GroupBy(s => (s.TaskIndex, s.GpuIndex)).OrderBy(g => g.Key.TaskIndex).ThenBy(g => g.Key.GpuIndex)
            .Select(g => new ScriptJobGpuSeries(g.Key.TaskIndex, g.Key.GpuIndex, $"task {g.Key.TaskIndex} · GPU {g.Key.GpuIndex}",
                [.. g.OrderBy(s => s.At).Select(s => new ScriptJobMetricPoint(s.At, s.GpuUtil, s.FbUsedMiB, s.PowerUsageWatts))]))];
}
