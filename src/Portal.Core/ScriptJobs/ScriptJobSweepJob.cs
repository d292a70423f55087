using Hangfire;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Minutely, a backstop for <see cref="ScriptJobSupervisor"/>: the same pass, so jobs are followed even if the
/// supervisor's loop stalled. Running beside it changes nothing twice (see <see cref="ScriptJobSweep"/>).
/// </summary>
[AutomaticRetry(Attempts = 0)] // it runs again in a minute anyway
[DisableConcurrentExecution(timeoutInSeconds: 60)]
public sealed class ScriptJobSweepJob(ScriptJobSweep sweep)
{
    public const string RecurringId = "script-job-sweep";

    public Task RunAsync(CancellationToken ct = default) => sweep.RunAsync(ct);
}
