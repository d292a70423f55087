using System.Globalization;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// What the pool is given for one attempt of a task: its script, its variables (secrets revealed only here, on
/// their way to the pool), the PORTAL_* variables, the input files, and a time limit that never passes the lease's end.
/// </summary>
public sealed class ScriptJobTaskSpecs(ScriptJobSecrets secrets, ScriptJobFiles files)
{
    /// <summary>The pool's id of a task's attempt: submitting it again is the same task (idempotent per attempt).</summary>
    public static string PoolTaskId(ScriptJobTask task) => PoolTaskId(task.Id, task.Attempt);

    public static string PoolTaskId(Guid taskId, int attempt) => $"{taskId:N}-{attempt}";

    public async Task<PoolTaskSpec> BuildAsync(ScriptJob job, ScriptJobTask task, string nodeId, Guid reservationId, DateTime leaseEnd,
        DateTime now, CancellationToken ct)
    {
        var env = ScriptJobVariables.Environment(job, secrets.Reveal(job));
        // The portal's own names last: a job cannot pretend to be another task.
        env["PORTAL_JOB_ID"] = job.Id.ToString();
        env["PORTAL_TASK_INDEX"] = task.Index.ToString(CultureInfo.InvariantCulture);
        env["PORTAL_TASK_COUNT"] = job.TaskCount.ToString(CultureInfo.InvariantCulture);
        env["PORTAL_LEASE_ID"] = job.LeaseId.ToString();
        env["PORTAL_ATTEMPT"] = task.Attempt.ToString(CultureInfo.InvariantCulture);
        return new PoolTaskSpec(PoolTaskId(task), nodeId, reservationId, task.Gpus, job.Script, env, await files.ReadInputsAsync(job, ct),
            TimeLimitSeconds(job, leaseEnd, now), job.Profile,
            job.LeaseId, PoolAccount.For(job.TenantId), leaseEnd);
    }

    /// <summary>The job's limit, or the time left until the lease ends when that comes first (at least one second).</summary>
    public static int TimeLimitSeconds(ScriptJob job, DateTime leaseEnd, DateTime now)
    {
        var untilEnd = Math.Max(1, (long)Math.Ceiling((leaseEnd - now).TotalSeconds));
        var limit = job.TimeLimitMinutes is { } m ? Math.Min(untilEnd, m * 60L) : untilEnd;
        return (int)Math.Min(limit, int.MaxValue);
    }
}
