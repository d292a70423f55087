using System.Globalization;

namespace Portal.Core.ScriptJobs;

/// <summary>The lines the portal itself writes into kept logs, and what a reader is told about them, in one place.</summary>
public static class ScriptJobLogNotes
{
    /// <summary>Where the job's log cap cut its logs (the last line kept).</summary>
    public static string Cut(long capBytes) => $"[portal] log cut at {Size(capBytes)} (the job's cap); the rest was not kept\n";

    /// <summary>Before the first byte of a new attempt of a task (a retry).</summary>
    public static string Attempt(int attempt, int attempts) =>
        string.Create(CultureInfo.InvariantCulture, $"[portal] attempt {attempt} of {attempts}\n");

    /// <summary>What a reader of a purged job's logs is told instead.</summary>
    public static string Purged(DateTime purgedAt, int retentionDays) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Logs are kept {retentionDays} days after a job ends; this job's were deleted on {purgedAt:d MMMM yyyy}.");

    /// <summary>1 MB = 1,048,576 bytes, as the cap's setting counts.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.#} GB"),
    };
}
