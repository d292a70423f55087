using System.Globalization;

namespace Portal.Core.Pool.Slurm;

/// <summary>A batch job as <c>scontrol show job -d -o</c> tells it (the detail part gives <c>GRES=gpu:2(IDX:0-1)</c>).</summary>
public sealed record SlurmJob(
    string Id, string Name, string State, string? Reason, string? Reservation, string? Account, string? Node, string? Partition,
    int[] GpuIndexes, int? ExitCode, int? Signal, DateTime? Start, DateTime? End, string? WorkDir)
{
    private static readonly HashSet<string> Open = ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD",
        "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD"];

    /// <summary>Slurm has nothing left of it running (a reservation with it can be deleted).</summary>
    public bool IsGone => !Open.Contains(State);

    public static SlurmJob From(Dictionary<string, string> r)
    {
        var (exit, signal) = ExitOf(r.GetValueOrDefault("ExitCode"));
        var state = r.GetValueOrDefault("JobState", "UNKNOWN");
        return new SlurmJob(
            r["JobId"], r.GetValueOrDefault("JobName", ""), state, NullIf(r.GetValueOrDefault("Reason")),
            NullIf(r.GetValueOrDefault("Reservation")), NullIf(r.GetValueOrDefault("Account")), NullIf(r.GetValueOrDefault("NodeList")),
            NullIf(r.GetValueOrDefault("Partition")), SlurmText.GpuIndexes(r.GetValueOrDefault("GRES")), exit, signal,
            // A pending job's StartTime is only Slurm's guess: it has not started.
            state is "PENDING" or "CONFIGURING" ? null : SlurmText.ParseTime(r.GetValueOrDefault("StartTime")),
            SlurmText.ParseTime(r.GetValueOrDefault("EndTime")), NullIf(r.GetValueOrDefault("WorkDir")));
    }

    public static IReadOnlyList<SlurmJob> ParseAll(string text) =>
        [.. SlurmText.ParseRecords(text).Where(r => r.ContainsKey("JobId")).Select(From)];

    private static (int?, int?) ExitOf(string? value)
    {
        var parts = (value ?? "").Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var e)
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var s)
            ? (e, s) : (null, null);
    }

    private static string? NullIf(string? value) => value is null or "" or "(null)" or "None" or "N/A" ? null : value;
}

/// <summary>Reads jobs from the controller: every job it still remembers, or one by id.</summary>
public sealed class SlurmJobQueries(SlurmCommands commands)
{
    public async Task<IReadOnlyList<SlurmJob>> ListAsync(CancellationToken ct)
    {
        var result = await commands.RunAsync("scontrol", ["show", "job", "-d", "-o"], ct);
        if (!result.Succeeded) throw SlurmNodes.Failure(result);
        return SlurmJob.ParseAll(result.Stdout);
    }

    /// <summary>Null when Slurm does not know the id (never, or forgotten after MinJobAge).</summary>
    public async Task<SlurmJob?> FindAsync(string jobId, CancellationToken ct)
    {
        var result = await commands.RunAsync("scontrol", ["show", "job", "-d", "-o", jobId], ct);
        if (result.Succeeded) return SlurmJob.ParseAll(result.Stdout).FirstOrDefault(j => j.Id == jobId);
        if (result.Message.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return null;
        throw SlurmNodes.Failure(result);
    }
}
