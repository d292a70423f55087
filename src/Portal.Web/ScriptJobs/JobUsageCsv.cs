using System.Globalization;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Spend;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// The usage CSV broken down by job (<c>/usage/export.csv?…&amp;breakdown=jobs</c>): per lease, one line per job and one
/// "idle" line, whose GPU-hours add up to the lease's GPU-hours so far (on every line, for filtering in a spreadsheet).
/// </summary>
public static class JobUsageCsv
{
    public const string Breakdown = "jobs";

    public static readonly string[] Header =
        ["lease_id", "sku", "lease_gpus", "lease_gpu_hours", "kind", "job_id", "job_name", "job_state", "started_at", "ended_at", "gpu_hours"];

    public static async Task<IResult> FileAsync(IServiceProvider services, UsageFilter filter, CancellationToken ct)
    {
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var rows = await JobUsageBreakdown.ReadAsync(services.GetRequiredService<IDbContextFactory<PortalDbContext>>(), filter, now, ct);
        // Written to memory first: the CSV writer flushes synchronously when its buffer fills, which Kestrel refuses.
        var buffer = new MemoryStream();
        await WriteAsync(buffer, rows, ct);
        return Results.File(buffer.ToArray(), "text/csv; charset=utf-8",
            $"usage-by-job-{filter.From:yyyy-MM-dd}-to-{filter.To.AddDays(-1):yyyy-MM-dd}{(filter.SkuId is null ? "" : "-" + filter.SkuId)}.csv");
    }

    public static async Task WriteAsync(Stream output, IReadOnlyList<JobUsageBreakdown.LeaseRow> leases, CancellationToken ct = default)
    {
        // Job names are the tenant's words: a name starting with = must not run as a formula in a spreadsheet.
        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        csv.WriteHeader(Header);
        foreach (var l in leases)
        {
            string[] lease = [l.Lease.Id.ToString(), l.Lease.SkuId, Num(l.Lease.Gpus), Hours(l.Hours.ElapsedGpuSeconds)];
            foreach (var j in l.Jobs)
                csv.WriteRecord([.. lease, "job", j.Id.ToString(), j.Name, j.State.ToString(), Time(j.StartedAt), Time(j.EndedAt), Hours(j.GpuSeconds)]);
            csv.WriteRecord([.. lease, "idle", "", "", "", "", "", Hours(l.Hours.IdleGpuSeconds)]);
        }
        await csv.FlushAsync(ct);
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
    private static string Hours(double seconds) => (seconds / 3600).ToString("0.####", CultureInfo.InvariantCulture);
    private static string Time(DateTime? t) => t?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "";
}
