using System.Globalization;
using Portal.Core.Pool;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A task follows what the pool says of it (pure logic, through the state machine): Running from the pool's start,
/// a final state with its true reason, its GPU-seconds, and a retry (a new attempt, Queued) when the job allows one.
/// </summary>
public static class ScriptJobFollowing
{
    /// <summary>Moves the task to the pool's state; true when anything changed.</summary>
    public static bool Follow(ScriptJob job, ScriptJobTask task, PoolTaskStatus status, DateTime leaseEnd, DateTime now)
    {
        var changed = false;
        if (status.GpuIndexes.Length > 0 && string.Join(",", status.GpuIndexes) is var indexes && indexes != task.GpuIndexes)
            (task.GpuIndexes, changed) = (indexes, true);
        switch (status.State)
        {
            case PoolTaskState.Starting:
                return changed;
            case PoolTaskState.Running:
                if (task.State != Starting) return changed;
                ScriptJobStateMachine.Move(task, Running, $"Running on node {task.NodeId}", now);
                task.StartedAt = status.StartedAt ?? now;
                return true;
            default:
                End(job, task, status.State, status.ExitCode, status.StartedAt, status.EndedAt ?? now, leaseEnd, now);
                return true;
        }
    }

    /// <summary>The pool no longer knows a task it was running: its node is gone, as far as the job can tell.</summary>
    public static void Lost(ScriptJob job, ScriptJobTask task, DateTime leaseEnd, DateTime now) =>
        End(job, task, PoolTaskState.NodeFailed, null, null, now, leaseEnd, now);

    /// <summary>Ends a task (Starting or Running) as the pool ended it, counts its GPU-seconds, and retries it when allowed.</summary>
    public static void End(ScriptJob job, ScriptJobTask task, PoolTaskState poolState, int? exitCode, DateTime? poolStartedAt,
        DateTime endedAt, DateTime leaseEnd, DateTime now)
    {
        var startedAt = poolStartedAt ?? (task.State == Running ? task.StartedAt : null);
        var node = task.NodeId;
        var (state, reason) = Outcome(job, task, poolState, exitCode, startedAt, leaseEnd);
        ScriptJobStateMachine.Move(task, state, reason, endedAt);
        if (startedAt is { } s && endedAt > s) task.StartedAt = s;
        task.ExitCode = exitCode;
        if (startedAt is { } from) task.GpuSeconds += task.Gpus * (long)Math.Max(0, (endedAt - from).TotalSeconds);
        if (!Retries(job, task, state, exitCode)) return;
        var cause = state == NodeFailed ? $"node {node} failed" : $"exited with code {exitCode}";
        var next = task.Attempt + 1;
        ScriptJobStateMachine.Move(task, Queued,
            $"Attempt {task.Attempt} {cause}; retrying (attempt {next} of {job.MaxRetries + 1})", now);
        // A queued retry keeps the node its last attempt ran on, so that placement runs it elsewhere when it can.
        task.NodeId = node;
    }

    /// <summary>The portal's state and reason for a task the pool ended.</summary>
    public static (ScriptJobState State, string Reason) Outcome(ScriptJob job, ScriptJobTask task, PoolTaskState poolState,
        int? exitCode, DateTime? startedAt, DateTime leaseEnd)
    {
        if (poolState == PoolTaskState.Succeeded) return (Succeeded, "Exited with code 0"); // it finished before any stop reached it
        // Once stopped (by a member, or for the lease's end), whatever ends the task is that stop.
        if (job.CancelledByName is { } by) return (Cancelled, $"Cancelled by {by}");
        if (job.LeaseEndSignalledAt is { } signalled) return (LeaseEnded, LeaseEndedReason(signalled));
        return poolState switch
        {
            PoolTaskState.Failed => (Failed, $"Exited with code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}"),
            PoolTaskState.NodeFailed => (NodeFailed, $"Node {task.NodeId} failed; no retries left"),
            PoolTaskState.Cancelled => (Cancelled, "Cancelled by the pool"),
            // The pool stopped it at its time limit: the job's own, or the lease's end when that came first.
            PoolTaskState.TimedOut when job.TimeLimitMinutes is not { } m || (startedAt is { } s && s.AddMinutes(m) >= leaseEnd)
                => (LeaseEnded, $"Stopped at the lease's end ({leaseEnd:HH:mm} UTC)"),
            PoolTaskState.TimedOut => (TimedOut, $"Ran past its time limit of {job.TimeLimitMinutes} min"),
            _ => (Failed, $"Ended on the pool as {poolState}"),
        };
    }

    public static string LeaseEndedReason(DateTime signalledAt) => $"Stopped at the lease's end: SIGTERM at {signalledAt:HH:mm} UTC";

    /// <summary>A failure with attempts left: any node failure, or an exit code the job retries (every non-zero when none listed).</summary>
    public static bool Retries(ScriptJob job, ScriptJobTask task, ScriptJobState ended, int? exitCode)
    {
        // A stopped job is never run again.
        if (task.Attempt > job.MaxRetries || job.LeaseEndSignalledAt is not null || job.CancelledByUserId is not null) return false;
        if (ended == NodeFailed) return true;
        if (ended != Failed || exitCode is not { } code || code == 0) return false;
        var listed = RetryCodes(job.RetryExitCodes);
        return listed.Count == 0 || listed.Contains(code);
    }

    public static HashSet<int> RetryCodes(string? csv) =>
        (csv ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? (int?)c : null)
            .OfType<int>().ToHashSet();
}
