using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// The one place that assigns <see cref="ScriptJob.State"/> and <see cref="ScriptJobTask.State"/>: a table of allowed
/// moves. A forbidden move throws <see cref="ScriptJobException"/> ("not_allowed") and changes nothing.
/// </summary>
public static class ScriptJobStateMachine
{
    private static readonly ScriptJobState[] Finals = [Succeeded, Failed, Cancelled, TimedOut, NodeFailed, LeaseEnded];

    private static readonly Dictionary<ScriptJobState, ScriptJobState[]> JobMoves = new()
    {
        [Queued] = [Starting, Running, .. Finals],
        [Starting] = [Running, .. Finals],
        // A sweep whose running tasks all went back to the queue (retries) waits again.
        [Running] = [Queued, .. Finals],
    };

    private static readonly Dictionary<ScriptJobState, ScriptJobState[]> TaskMoves = new()
    {
        [Queued] = [Starting, Cancelled, LeaseEnded, Failed],
        // Starting -> Queued: the pool refused the submit (GPUs not free yet); the task waits again.
        [Starting] = [Queued, Running, .. Finals],
        [Running] = [.. Finals],
        // A retry: a new attempt of the same task (the caller increments Attempt).
        [Failed] = [Queued],
        [NodeFailed] = [Queued],
    };

    public static bool IsFinal(ScriptJobState state) => Finals.Contains(state);

    public static bool CanMove(ScriptJobState from, ScriptJobState to, bool isTask = false) =>
        (isTask ? TaskMoves : JobMoves).TryGetValue(from, out var moves) && moves.Contains(to);

    /// <summary>Moves a job; sets StartedAt on the first start and EndedAt on a final state; the reason replaces the old one.</summary>
    public static void Move(ScriptJob job, ScriptJobState to, string? reason, DateTime now)
    {
        if (!CanMove(job.State, to)) throw NotAllowed("job", job.State, to);
        job.State = to;
        job.Reason = reason;
        if (to is Starting or Running) job.StartedAt ??= now;
        if (IsFinal(to)) job.EndedAt = now;
    }

    /// <summary>Moves a task; a move back to Queued is a retry and clears the attempt's pool fields.</summary>
    public static void Move(ScriptJobTask task, ScriptJobState to, string? reason, DateTime now)
    {
        if (!CanMove(task.State, to, isTask: true)) throw NotAllowed("task", task.State, to);
        var retry = IsFinal(task.State) && to == Queued;
        task.State = to;
        task.Reason = reason;
        if (to == Starting) task.StartedAt = now;
        if (IsFinal(to)) task.EndedAt = now;
        if (retry)
        {
            task.Attempt++;
            (task.PoolTaskId, task.NodeId, task.ReservationId, task.GpuIndexes) = (null, null, null, null);
            (task.StartedAt, task.EndedAt, task.ExitCode, task.StdoutOffset, task.StderrOffset) = (null, null, null, 0, 0);
        }
    }

    private static ScriptJobException NotAllowed(string what, ScriptJobState from, ScriptJobState to) =>
        new("not_allowed", $"A {what} that is {from} cannot become {to}.");
}
