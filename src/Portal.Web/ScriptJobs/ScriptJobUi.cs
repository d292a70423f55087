using System.Globalization;
using MudBlazor;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>How the job pages show states, reasons, durations and GPU-hours (every time UTC, as on the lease pages).</summary>
public static class ScriptJobUi
{
    /// <summary>What the supervisor publishes when a job changes (its id in the change's EntityId).</summary>
    public const string ChangeKind = Portal.Core.Notifications.PortalChange.Job;

    public static string Label(ScriptJobState state) => state switch
    {
        ScriptJobState.TimedOut => "Timed out",
        ScriptJobState.NodeFailed => "Node failed",
        ScriptJobState.LeaseEnded => "Lease ended",
        _ => state.ToString(),
    };

    public static Color StateColor(ScriptJobState state) => state switch
    {
        ScriptJobState.Queued => Color.Info,
        ScriptJobState.Starting => Color.Secondary,
        ScriptJobState.Running => Color.Primary,
        ScriptJobState.Succeeded => Color.Success,
        ScriptJobState.Failed or ScriptJobState.NodeFailed => Color.Error,
        ScriptJobState.TimedOut or ScriptJobState.LeaseEnded => Color.Warning,
        _ => Color.Default,
    };

    public static bool IsFinal(ScriptJobState state) => ScriptJobStateMachine.IsFinal(state);

    /// <summary>
    /// The true reason in words: the stored reason when there is one, else what the state and its facts say
    /// ("Exited with code 3", "Cancelled by Ada Lovelace"). Null for a job that simply runs or waits.
    /// </summary>
    public static string? Reason(ScriptJob job) => job.State switch
    {
        _ when !string.IsNullOrWhiteSpace(job.Reason) => job.Reason,
        ScriptJobState.Failed => job.ExitCode is { } code ? $"Exited with code {code}" : "Failed",
        ScriptJobState.Cancelled => job.CancelledByName is { } who ? $"Cancelled by {who}" : "Cancelled",
        ScriptJobState.TimedOut => job.TimeLimitMinutes is { } m ? $"Stopped at its time limit of {Minutes(m)}" : "Stopped at its time limit",
        ScriptJobState.NodeFailed => "The node it ran on failed",
        ScriptJobState.LeaseEnded => "Stopped because the lease ended",
        _ => null,
    };

    /// <summary>From start to end (or now while it runs); "—" before it starts.</summary>
    public static string Duration(DateTime? started, DateTime? ended, DateTime now) =>
        started is { } s ? Span((ended ?? now) - s) : "—";

    /// <summary>"45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h".</summary>
    public static string Span(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return $"{(int)d.TotalSeconds} s";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes} min {d.Seconds} s";
        if (d.TotalDays < 1) return $"{(int)d.TotalHours} h {d.Minutes} min";
        return $"{(int)d.TotalDays} d {d.Hours} h";
    }

    public static string Minutes(int minutes) => Span(TimeSpan.FromMinutes(minutes));

    /// <summary>GPU-hours with two decimals ("3.25"), the unit the lease and usage pages use.</summary>
    public static string GpuHours(double gpuSeconds) => (gpuSeconds / 3600).ToString("#,0.00", CultureInfo.InvariantCulture);

    public static string Time(DateTime? utc) => utc is { } t ? t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "—";

    /// <summary>"1 st", "2nd", "3rd", "4th" … for a place in line.</summary>
    public static string Ordinal(int n) => n + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    /// <summary>"1.2 KB", "3.4 MB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        _ => (bytes / 1024.0 / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
    };
}
