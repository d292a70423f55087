using System.Text.Json.Serialization;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

// What the script-job API writes: camelCase like the rest of /api/v1, times UTC ISO 8601. Secret variables never carry their value.

/// <summary>A job in a list: what it is and where it stands, without its script, variables or tasks.</summary>
public class JobSummaryJson(ScriptJob j)
{
    public Guid Id { get; } = j.Id;
    public Guid LeaseId { get; } = j.LeaseId;
    public string Name { get; } = j.Name;
    [JsonConverter(typeof(JsonStringEnumConverter<ScriptJobState>))]
    public ScriptJobState State { get; } = j.State;
    /// <summary>The true reason for the state ("Exited with code 3", "Cancelled by Ada Lovelace").</summary>
    public string? Reason { get; } = j.Reason;
    public int? ExitCode { get; } = j.ExitCode;
    public string? CancelledBy { get; } = j.CancelledByName;
    public int GpusPerTask { get; } = j.GpusPerTask;
    public int TaskCount { get; } = j.TaskCount;
    public int Priority { get; } = j.Priority;
    public DateTime CreatedAt { get; } = j.CreatedAt;
    public DateTime? StartedAt { get; } = j.StartedAt;
    public DateTime? EndedAt { get; } = j.EndedAt;
    /// <summary>GPU-seconds that ran, all tasks and attempts: what the job used of its lease.</summary>
    public long GpuSeconds { get; } = j.GpuSeconds;
    public double GpuHours { get; } = Math.Round(j.GpuSeconds / 3600.0, 4);
    public JobLinksJson Links { get; } = new(ScriptJobApi.Job(j.Id), $"/api/v1/leases/{j.LeaseId}", ScriptJobApi.Job(j.Id) + "/logs",
        ScriptJobApi.Job(j.Id) + "/logs/download", ScriptJobApi.Job(j.Id) + "/metrics", ScriptJobApi.Job(j.Id) + "/cancel");
}

/// <summary>One job: its spec (secret values left out), its tasks, why it waits, and at the end its metrics summary.</summary>
public sealed class JobJson(ScriptJob j, JobWait? wait) : JobSummaryJson(j)
{
    [JsonPropertyOrder(1)] public string Script { get; } = j.Script;
    [JsonPropertyOrder(1)] public int? TimeLimitMinutes { get; } = j.TimeLimitMinutes;
    [JsonPropertyOrder(1)] public int Retries { get; } = j.MaxRetries;
    /// <summary>Empty: every non-zero exit code is retried (when <c>retries</c> is above 0).</summary>
    [JsonPropertyOrder(1)]
    public IReadOnlyList<int> RetryExitCodes { get; } = ScriptJobJsonMapping.Numbers(j.RetryExitCodes);
    [JsonPropertyOrder(1)] public string? Profile { get; } = j.Profile;
    /// <summary>Secret variables are listed with <c>secret: true</c> and <c>value: null</c>: nobody can read them back.</summary>
    [JsonPropertyOrder(1)] public IReadOnlyList<JobVariableJson> Environment { get; } = ScriptJobJsonMapping.Variables(j.VariablesJson);
    [JsonPropertyOrder(1)] public IReadOnlyList<JobFileJson> Files { get; } = ScriptJobJsonMapping.Files(j.InputFilesJson);
    /// <summary>Only while Queued: why it waits and its place in the lease's line.</summary>
    [JsonPropertyOrder(1)] public JobWaitJson? Wait { get; } = wait is null ? null : new(wait.Position, wait.GpusNeeded, wait.GpusFree, wait.Text);
    [JsonPropertyOrder(1)] public JobLogInfoJson Log { get; } = new(j.LogBytes, j.LogTruncated, j.KeepUntil, j.PurgedAt);
    /// <summary>Only once the job has ended (and its samples were summarised).</summary>
    [JsonPropertyOrder(1)] public JobMetricsSummaryJson? Metrics { get; } = ScriptJobJsonMapping.Summary(j);
    [JsonPropertyOrder(1)] public IReadOnlyList<JobTaskJson> Tasks { get; } = [.. j.Tasks.OrderBy(t => t.Index).Select(JobTaskJson.From)];
}

public sealed record JobTaskJson(
    int Index,
    [property: JsonConverter(typeof(JsonStringEnumConverter<ScriptJobState>))] ScriptJobState State,
    string? Reason,
    int? ExitCode,
    int Attempt,
    string? Node,
    int Gpus,
    IReadOnlyList<int> GpuIndexes,
    DateTime? StartedAt,
    DateTime? EndedAt,
    long GpuSeconds)
{
    public static JobTaskJson From(ScriptJobTask t) => new(t.Index, t.State, t.Reason, t.ExitCode, t.Attempt, t.NodeId, t.Gpus,
        ScriptJobJsonMapping.Numbers(t.GpuIndexes), t.StartedAt, t.EndedAt, t.GpuSeconds);
}

/// <summary>A variable as shown back: a secret one has no value.</summary>
public sealed record JobVariableJson(string Name, string? Value, bool Secret);

public sealed record JobFileJson(string Name, long Bytes);

public sealed record JobWaitJson(int Position, int GpusNeeded,
    int GpusFree, string Text);

/// <summary>The kept log: bytes over all tasks and streams, whether the cap cut it, and when it is deleted.</summary>
public sealed record JobLogInfoJson(long Bytes, bool Truncated, DateTime? KeepUntil,
    DateTime? PurgedAt);

public sealed record JobMetricsSummaryJson(
    double? MeanGpuUtil,
    double? PeakFbUsedMiB,
    double GpuHours,
    int? IdleGpus,
    int? SampledGpus,
    string? Warning);

public sealed record JobLinksJson(string Self, string Lease, string Logs, string LogsDownload,
    string Metrics, string Cancel);

/// <summary>A page of a lease's jobs, newest first.</summary>
public sealed record JobListJson(IReadOnlyList<JobSummaryJson> Items, int Total, int Page, int PageSize,
    bool HasMore);

/// <summary>GPU samples of a job, oldest first, with DCGM's field names; pass <c>nextAfter</c> as <c>after</c> for newer ones.</summary>
public sealed record JobMetricsJson(Guid JobId, IReadOnlyList<JobSampleJson> Samples,
    DateTime? NextAfter);

public sealed record JobSampleJson(
    DateTime At,
    int Task,
    int Gpu,
    [property: JsonPropertyName("DCGM_FI_DEV_GPU_UTIL")] double GpuUtil,
    [property: JsonPropertyName("DCGM_FI_DEV_FB_USED")] double FbUsedMiB,
    [property: JsonPropertyName("DCGM_FI_DEV_POWER_USAGE")] double PowerUsageWatts)
{
    public static JobSampleJson From(ScriptJobSample s) => new(s.At, s.TaskIndex, s.GpuIndex, s.GpuUtil, s.FbUsedMiB, s.PowerUsageWatts);
}
