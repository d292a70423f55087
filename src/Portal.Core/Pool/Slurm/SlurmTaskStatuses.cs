namespace Portal.Core.Pool.Slurm;

/// <summary>
/// Slurm's job states as the portal's task states: PENDING/CONFIGURING → Starting, RUNNING/COMPLETING → Running,
/// COMPLETED → Succeeded, FAILED/OUT_OF_MEMORY → Failed, TIMEOUT/DEADLINE → TimedOut, CANCELLED/RESV_DEL_HOLD →
/// Cancelled, NODE_FAIL/PREEMPTED/REQUEUED/BOOT_FAIL → NodeFailed, and CANCELLED by the portal because the node failed
/// (<see cref="SlurmLostJobs"/>) → NodeFailed. Slurm's reason becomes the task's reason.
/// </summary>
public static class SlurmTaskStatuses
{
    public static PoolTaskState Map(string state) => state switch
    {
        "PENDING" or "CONFIGURING" or "REQUEUE_FED" => PoolTaskState.Starting,
        "RUNNING" or "COMPLETING" or "SUSPENDED" or "STOPPED" or "SIGNALING" or "STAGE_OUT" or "RESIZING" => PoolTaskState.Running,
        "COMPLETED" => PoolTaskState.Succeeded,
        "FAILED" or "OUT_OF_MEMORY" or "SPECIAL_EXIT" => PoolTaskState.Failed,
        "TIMEOUT" or "DEADLINE" => PoolTaskState.TimedOut,
        "CANCELLED" or "RESV_DEL_HOLD" => PoolTaskState.Cancelled,
        "NODE_FAIL" or "PREEMPTED" or "REQUEUED" or "REQUEUE_HOLD" or "BOOT_FAIL" => PoolTaskState.NodeFailed,
        _ => PoolTaskState.Starting,
    };

    /// <summary>The task as Slurm sees it now; the exit code the wrapper recorded wins over Slurm's (which a signal may hide).</summary>
    public static PoolTaskStatus From(SlurmJob job, SlurmTaskRecord record, SlurmJobFolder folder)
    {
        var state = Map(job.State);
        // Cancelled by the portal because its node failed (SlurmLostJobs): the node's failure, for the tenant.
        var lost = state == PoolTaskState.Cancelled ? SlurmLostJobs.Read(folder) : null;
        if (lost is not null) state = PoolTaskState.NodeFailed;
        var final = state is not (PoolTaskState.Starting or PoolTaskState.Running);
        var recorded = final ? folder.ReadExitCode() : null;
        int? exit = state switch
        {
            PoolTaskState.Succeeded => recorded ?? job.ExitCode ?? 0,
            PoolTaskState.Failed => recorded ?? job.ExitCode,
            _ => recorded,
        };
        return new PoolTaskStatus(record.TaskId, job.Node ?? record.NodeId, record.ReservationId, state,
            job.GpuIndexes.Length > 0 ? job.GpuIndexes : folder.ReadGpuIndexes(), exit,
            job.Start, final ? job.End : null, lost ?? ReasonOf(job, state, exit), folder.SizeOf(folder.Stdout), folder.SizeOf(folder.Stderr));
    }

    /// <summary>A task whose Slurm job is forgotten and whose end the driver never saw: the wrapper's exit code tells it.</summary>
    public static PoolTaskStatus Forgotten(SlurmTaskRecord record, SlurmJobFolder folder)
    {
        var exit = folder.ReadExitCode();
        var (state, reason) = exit switch
        {
            0 => (PoolTaskState.Succeeded, (string?)null),
            int code => (PoolTaskState.Failed, $"Exited with code {code}"),
            null when SlurmLostJobs.Read(folder) is { } lost => (PoolTaskState.NodeFailed, lost),
            null => (PoolTaskState.Failed, "Slurm forgot the job before the portal saw it end (it was stopped before its script finished)."),
        };
        return new PoolTaskStatus(record.TaskId, record.NodeId, record.ReservationId, state, folder.ReadGpuIndexes(), exit, null, null, reason,
            folder.SizeOf(folder.Stdout), folder.SizeOf(folder.Stderr));
    }

    private static string? ReasonOf(SlurmJob job, PoolTaskState state, int? exit)
    {
        var slurm = job.Reason is { } r ? $"Slurm: {r}" : null;
        return state switch
        {
            PoolTaskState.Succeeded => null,
            PoolTaskState.Failed when job.State == "OUT_OF_MEMORY" => "Out of memory" + Suffix(slurm),
            PoolTaskState.Failed when exit is > 0 => $"Exited with code {exit}",
            PoolTaskState.Failed when job.Signal is > 0 => $"Killed by signal {job.Signal}" + Suffix(slurm),
            PoolTaskState.TimedOut => "Exceeded its time limit" + Suffix(slurm),
            PoolTaskState.Cancelled => (job.State == "RESV_DEL_HOLD" ? "Its reservation was deleted" : "Cancelled") + Suffix(slurm),
            PoolTaskState.NodeFailed => $"Slurm ended it as {job.State}" + Suffix(slurm),
            _ => slurm,
        };
    }

    private static string Suffix(string? slurm) => slurm is null ? "" : $" ({slurm})";
}
