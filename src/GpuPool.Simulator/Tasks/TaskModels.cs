using System.Text.Json.Serialization;

namespace GpuPool.Simulator.Tasks;

public enum TaskState { Starting, Running, Succeeded, Failed, Cancelled, TimedOut, NodeFailed }

public sealed record TaskFileRequest(string? Name, string? ContentBase64);

/// <summary>The body of <c>PUT /pool/tasks/{taskId}</c>.</summary>
public sealed record SubmitTaskRequest(
    string? NodeId, string? ReservationId, int? Gpus, string? Script, Dictionary<string, string>? Environment,
    List<TaskFileRequest>? Files, int? TimeLimitSeconds, string? Profile);

/// <summary>A task as the pool reports it; <c>Samples</c>: how many metric samples it has taken so far.</summary>
public sealed record TaskView(
    string TaskId, string NodeId, string ReservationId, TaskState State, int[] GpuIndexes, int? ExitCode,
    DateTime? StartedAt, DateTime? EndedAt, string? Reason, long StdoutBytes, long StderrBytes, int Samples);

/// <summary>One GPU's sample, under DCGM's field names.</summary>
public sealed record GpuSample(
    DateTime At,
    int GpuIndex,
    [property: JsonPropertyName("DCGM_FI_DEV_GPU_UTIL")] double GpuUtil,
    [property: JsonPropertyName("DCGM_FI_DEV_FB_USED")] double FbUsedMiB,
    [property: JsonPropertyName("DCGM_FI_DEV_POWER_USAGE")] double PowerUsageWatts);

/// <summary>
/// What the pool keeps of a task in its folder (task.json), so that a restarted pool can re-attach: never the
/// environment's values (they may hold secrets), only what watching and finishing the task needs.
/// </summary>
public sealed class TaskRecord
{
    public string TaskId { get; set; } = "";
    public string NodeId { get; set; } = "";
    public string ReservationId { get; set; } = "";
    public string Sku { get; set; } = "";
    public string Profile { get; set; } = TaskProfiles.Busy;
    public int[] GpuIndexes { get; set; } = [];
    public int TimeLimitSeconds { get; set; }
    public TaskState State { get; set; }
    public int? ExitCode { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? Reason { get; set; }

    /// <summary>The wrapper's pid and its start time in clock ticks since boot (/proc/pid/stat), so a reused pid is not mistaken for it.</summary>
    public int Pid { get; set; }
    public long PidStartTicks { get; set; }

    /// <summary>The final state the pool decided on when it started stopping the task (cancel, time limit, node failure, OOM).</summary>
    public TaskState? Verdict { get; set; }
    public string? VerdictReason { get; set; }
    public int? VerdictExitCode { get; set; }

    /// <summary>When SIGKILL follows the SIGTERM already sent; null when no stop is under way.</summary>
    public DateTime? KillAt { get; set; }

    /// <summary>How many metric samples were taken (the next one's number).</summary>
    public int Samples { get; set; }

    [JsonIgnore] public bool IsFinal => State is not (TaskState.Starting or TaskState.Running);
}
