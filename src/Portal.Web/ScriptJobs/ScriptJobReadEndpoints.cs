using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Web.Leases;

namespace Portal.Web.ScriptJobs;

/// <summary>GET one job, a lease's jobs, and a job's GPU samples. Query values are read as text so that a bad one is a problem naming it.</summary>
internal static class ScriptJobReadEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static async Task<IResult> GetAsync(Guid id, ScriptJobQueries queries, ScriptJobQueue queue, CancellationToken ct) =>
        TypedResults.Ok(await JsonAsync(id, queries, queue, ct));

    /// <summary>The job as the API shows it, with why it waits while Queued; a job not visible is a 404.</summary>
    public static async Task<JobJson> JsonAsync(Guid id, ScriptJobQueries queries, ScriptJobQueue queue, CancellationToken ct)
    {
        var job = await queries.GetAsync(id, ct) ?? throw ScriptJobException.NotFound();
        var wait = job.State == ScriptJobState.Queued ? await queue.DescribeWaitAsync(id, ct) : null;
        return new JobJson(job, wait);
    }

    public static async Task<IResult> ListAsync(Guid id, string? state, string? q, string? page, string? pageSize,
        ScriptJobQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        ScriptJobState? wanted = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            if (!int.TryParse(state, out _) && Enum.TryParse<ScriptJobState>(state.Trim(), ignoreCase: true, out var s)) wanted = s;
            else errors["state"] = [$"'{state}' is not a job state: use one of {string.Join(", ", Enum.GetNames<ScriptJobState>())}."];
        }
        var number = 1;
        if (!string.IsNullOrWhiteSpace(page) && (!int.TryParse(page, out number) || number < 1))
            errors["page"] = ["The page is a number from 1."];
        var size = DefaultPageSize;
        if (!string.IsNullOrWhiteSpace(pageSize) && (!int.TryParse(pageSize, out size) || size < 1 || size > MaxPageSize))
            errors["pageSize"] = [$"The page size is a number from 1 to {MaxPageSize}."];
        if (errors.Count > 0) return LeaseProblems.Invalid(errors);

        var found = await queries.ListForLeaseAsync(id, new ScriptJobFilter(wanted, string.IsNullOrWhiteSpace(q) ? null : q.Trim(), number, size), ct)
                    ?? throw LeaseException.NotFound();
        return TypedResults.Ok(new JobListJson([.. found.Items.Select(j => new JobSummaryJson(j))], found.Total, number, size,
            (long)number * size < found.Total));
    }

    public static async Task<IResult> MetricsAsync(Guid id, string? after, ScriptJobMetrics metrics, CancellationToken ct)
    {
        DateTime? since = null;
        if (!string.IsNullOrWhiteSpace(after))
        {
            if (DateTime.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var a))
                since = DateTime.SpecifyKind(a, DateTimeKind.Utc);
            else return LeaseProblems.Invalid("after", $"'{after}' is not a time: use ISO 8601 in UTC such as \"2027-03-01T09:00:10Z\".");
        }
        var samples = await metrics.ReadAsync(id, since, ct) ?? throw ScriptJobException.NotFound();
        return TypedResults.Ok(new JobMetricsJson(id, [.. samples.Select(JobSampleJson.From)], samples.Count > 0 ? samples[^1].At : since));
    }
}
