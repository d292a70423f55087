namespace Portal.Core.ScriptJobs;

/// <summary>Settings under <c>ScriptJobs</c> (README, settings table).</summary>
public sealed class ScriptJobOptions
{
    /// <summary>Where input files and kept logs live (default <c>data/jobs</c> under the content root).</summary>
    public string? Root { get; set; }
    public int MaxScriptBytes { get; set; } = 1024 * 1024;
    public long MaxInputBytes { get; set; } = 50L * 1024 * 1024;
    public int MaxTasks { get; set; } = 1000;
    /// <summary>Jobs not yet final in one lease: a cap on what one tenant can pile onto the queue.</summary>
    public int MaxOpenJobsPerLease { get; set; } = 2000;
    public int MaxVariables { get; set; } = 100;
    /// <summary>SIGTERM this long before the lease ends; then the job is stopped as LeaseEnded.</summary>
    public int LeaseEndGraceMinutes { get; set; } = 5;
    /// <summary>Between SIGTERM and SIGKILL when a member cancels.</summary>
    public int CancelGraceSeconds { get; set; } = 10;
    public long LogCapBytes { get; set; } = 100L * 1024 * 1024;
    public int LogRetentionDays { get; set; } = 30;
    /// <summary>A running task with no new log bytes has its GPU samples copied at most this often (the pool samples every 10 s).</summary>
    public int MetricsPollSeconds { get; set; } = 5;
    /// <summary>How often the supervisor asks the pool for states, logs and metrics.</summary>
    public int PollIntervalMs { get; set; } = 500;
}
