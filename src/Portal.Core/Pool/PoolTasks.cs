namespace Portal.Core.Pool;

/// <summary>Where a task is on the pool. The portal's own job states (Queued, LeaseEnded ...) are richer; see ScriptJobs.</summary>
public enum PoolTaskState { Starting, Running, Succeeded, Failed, Cancelled, TimedOut, NodeFailed }

/// <summary>A small input file placed in the task's working directory (a plain name, no folders).</summary>
public sealed record PoolTaskFile(string Name, byte[] Content);

/// <summary>
/// One task of a script job, as the portal submits it. <see cref="TaskId"/> is the idempotency key (one per attempt):
/// submitting the same id again returns the existing task and starts nothing. The task runs on
/// <see cref="Gpus"/> GPUs taken from the reservation <see cref="ReservationId"/> (the lease's allocation that holds the
/// reservation on <see cref="NodeId"/>); the pool refuses a task that would use more GPUs than that reservation holds.
/// <see cref="LeaseId"/>, <see cref="Account"/> and <see cref="NotAfter"/> (the lease's end) are what a real pool
/// needs besides: Slurm submits into the lease's reservation under the tenant's account, ending by the lease's end.
/// </summary>
public sealed record PoolTaskSpec(
    string TaskId,
    string NodeId,
    Guid ReservationId,
    int Gpus,
    string Script,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<PoolTaskFile> Files,
    int TimeLimitSeconds,
    string? Profile = null,
    Guid LeaseId = default,
    string? Account = null,
    DateTime? NotAfter = null);

/// <summary>
/// A task as the pool reports it. <see cref="GpuIndexes"/> are the node's GPU indexes (CUDA_VISIBLE_DEVICES). <see cref="Samples"/>:
/// how many metric samples the pool has taken of it, null when the pool does not say (then the portal asks for them).
/// </summary>
public sealed record PoolTaskStatus(
    string TaskId,
    string NodeId,
    Guid ReservationId,
    PoolTaskState State,
    int[] GpuIndexes,
    int? ExitCode,
    DateTime? StartedAt,
    DateTime? EndedAt,
    string? Reason,
    long StdoutBytes,
    long StderrBytes,
    int? Samples = null)
{
    public bool IsFinal => State is not (PoolTaskState.Starting or PoolTaskState.Running);
}

public enum PoolSubmitOutcome { Submitted, InsufficientGpus, NoReservation, NodeNotReady, Failed }

public sealed record PoolSubmitResult(PoolSubmitOutcome Outcome, PoolTaskStatus? Task = null, string? Message = null)
{
    public bool Succeeded => Outcome == PoolSubmitOutcome.Submitted;
}

public enum PoolLogStream { Stdout, Stderr }

/// <summary>
/// Bytes of a task's log from <see cref="Offset"/>. <see cref="Complete"/>: the task has ended and nothing follows
/// <c>Offset + Data.Length</c>, so a reader that got everything can stop asking.
/// </summary>
public sealed record PoolLogChunk(long Offset, byte[] Data, bool Complete);

/// <summary>
/// One GPU's sample, taken by the pool every 10 s, with DCGM's field names: DCGM_FI_DEV_GPU_UTIL (percent),
/// DCGM_FI_DEV_FB_USED (MiB), DCGM_FI_DEV_POWER_USAGE (watts).
/// </summary>
public sealed record PoolGpuSample(DateTime At, int GpuIndex, double GpuUtil, double FbUsedMiB, double PowerUsageWatts);
