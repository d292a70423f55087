using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A job's state from its tasks' (pure logic): Running once any task runs, back in the queue when a retry left
/// nothing running, and at the end the true outcome: Succeeded when every task did; Cancelled by the member who
/// cancelled; LeaseEnded; otherwise the first failure (Failed with its exit code, TimedOut, NodeFailed).
/// </summary>
public static class ScriptJobOutcome
{
    /// <summary>Moves the job to what its tasks say, and sums their GPU-seconds; true when anything changed.</summary>
    public static bool Aggregate(ScriptJob job, IReadOnlyList<ScriptJobTask> tasks, DateTime now)
    {
        var gpuSeconds = tasks.Sum(t => t.GpuSeconds);
        var changed = gpuSeconds != job.GpuSeconds;
        job.GpuSeconds = gpuSeconds;
        if (ScriptJobStateMachine.IsFinal(job.State) || tasks.Count == 0) return changed;

        if (tasks.All(t => ScriptJobStateMachine.IsFinal(t.State)))
        {
            var (state, reason, exitCode) = Final(job, tasks);
            ScriptJobStateMachine.Move(job, state, reason, tasks.Max(t => t.EndedAt) ?? now);
            job.ExitCode = exitCode;
            return true;
        }
        if (tasks.Any(t => t.State == Running))
        {
            if (job.State == Running) return changed;
            ScriptJobStateMachine.Move(job, Running, RunningReason(job, tasks), now);
            return true;
        }
        // Retries put every running task back in line: the job waits again.
        if (job.State == Running && !tasks.Any(t => t.State == Starting))
        {
            ScriptJobStateMachine.Move(job, Queued, "Waiting to run again", now);
            return true;
        }
        return changed;
    }

    /// <summary>The final state, its reason and the deciding exit code, for a job whose tasks all ended.</summary>
    public static (ScriptJobState State, string Reason, int? ExitCode) Final(ScriptJob job, IReadOnlyList<ScriptJobTask> tasks)
    {
        if (tasks.All(t => t.State == Succeeded))
            return (Succeeded, tasks.Count == 1 ? "Exited with code 0" : $"All {tasks.Count} tasks succeeded", 0);
        if (job.CancelledByName is { } name && tasks.Any(t => t.State == Cancelled))
            return (Cancelled, $"Cancelled by {name}", null);
        if (tasks.FirstOrDefault(t => t.State == LeaseEnded) is { } ended)
            return (LeaseEnded, ended.Reason ?? "Stopped at the lease's end", null);
        var first = tasks.Where(t => t.State != Succeeded).OrderBy(t => t.EndedAt).ThenBy(t => t.Index).First();
        var reason = first.Reason ?? first.State.ToString();
        if (tasks.Count > 1) reason += $" (task {first.Index})";
        return (first.State, reason, first.State == Failed ? first.ExitCode : null);
    }

    private static string RunningReason(ScriptJob job, IReadOnlyList<ScriptJobTask> tasks) =>
        job.TaskCount == 1
            ? $"Running on node {tasks[0].NodeId}"
            : $"{tasks.Count(t => t.State == Running)} of {job.TaskCount} tasks running";
}
