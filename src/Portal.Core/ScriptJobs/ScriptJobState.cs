namespace Portal.Core.ScriptJobs;

/// <summary>
/// Where a script job (or one of its tasks) is (DESIGN.md, "Script jobs on a lease"). The last six are final.
/// A task that Failed or NodeFailed with retries left goes back to Queued (a new attempt); a job never leaves a final state.
/// </summary>
public enum ScriptJobState { Queued, Starting, Running, Succeeded, Failed, Cancelled, TimedOut, NodeFailed, LeaseEnded }
