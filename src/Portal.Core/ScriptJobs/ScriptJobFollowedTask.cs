using Portal.Core.Pool;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A task of a lease that is on the pool (Starting or Running), as a <see cref="ScriptJobSweep"/> pass reads it once for
/// the whole lease: enough to tell whether the pool has anything new for it (state, GPUs, log bytes, samples due).
/// </summary>
public sealed record ScriptJobFollowedTask(Guid Id, Guid JobId, ScriptJobState State, string? PoolTaskId, string? GpuIndexes,
    long StdoutOffset, long StderrOffset, DateTime? MetricsThrough, DateTime? StartedAt, int Index, int Attempt)
{
    /// <summary>
    /// Nothing to copy now: still running on the pool, its logs at the sizes already kept, and its samples looked at within
    /// <paramref name="metricsPoll"/> (before the first sample, counted from its start: the pool samples every 10 s).
    /// </summary>
    public bool OutputQuiet(PoolTaskStatus? status, DateTime now, TimeSpan metricsPoll) =>
        status is { IsFinal: false } && status.StdoutBytes == StdoutOffset && status.StderrBytes == StderrOffset
        && (MetricsThrough ?? StartedAt) is { } looked && now - looked < metricsPoll;

    /// <summary>Ended on the pool with its logs at the sizes already kept: only the logs' completeness is left to record.</summary>
    public bool EndedWithLogsKept(PoolTaskStatus? status) =>
        status is { IsFinal: true } && status.StdoutBytes == StdoutOffset && status.StderrBytes == StderrOffset;

    /// <summary>Following it would change nothing: Running here and on the pool, on the same GPUs, with nothing to copy.</summary>
    public bool Quiet(PoolTaskStatus? status, DateTime now, TimeSpan metricsPoll) =>
        State == Running && status is { State: PoolTaskState.Running } && OutputQuiet(status, now, metricsPoll)
        && (status.GpuIndexes.Length == 0 || string.Join(",", status.GpuIndexes) == GpuIndexes);
}
