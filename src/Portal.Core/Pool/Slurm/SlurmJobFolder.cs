using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Portal.Core.Pool.Slurm;

/// <summary>What the driver keeps about a task in its folder (owned by the portal, never by the tenant's user).</summary>
public sealed record SlurmTaskRecord(string TaskId, string NodeId, Guid ReservationId, Guid LeaseId, string Account);

/// <summary>
/// A task's folder <c>&lt;JobRoot&gt;/&lt;TaskId&gt;/</c>, seen by the portal and the nodes. The portal's own files sit at its top
/// (task.json, job-id, final.json, run.sh): the tenant's job cannot rewrite them, so it cannot point the portal at
/// another tenant's Slurm job. The tenant's user owns <c>work/</c> (the script, inputs, working directory) and
/// <c>log/</c> (stdout, stderr and the exit code the wrapper records).
/// </summary>
public sealed partial class SlurmJobFolder(string jobRoot, string taskId)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public string Dir { get; } = Path.Combine(jobRoot, taskId);
    public string Work => Path.Combine(Dir, "work");
    public string Log => Path.Combine(Dir, "log");
    public string Stdout => Path.Combine(Log, "stdout");
    public string Stderr => Path.Combine(Log, "stderr");
    public string ExitCodeFile => Path.Combine(Log, "exit-code");
    /// <summary>The GPU indexes the job got (SLURM_JOB_GPUS), written by run.sh: Slurm shows them only while the job runs.</summary>
    public string GpusFile => Path.Combine(Log, "gpus");
    /// <summary>
    /// The task's environment (it may hold the tenant's secrets): run.sh sources it and deletes it at once, so it is on
    /// the shared filesystem only until the job starts (every tenant's job runs as the same RunAsUser).
    /// </summary>
    public string EnvFile => Path.Combine(Log, ".env.sh");
    public string RunScript => Path.Combine(Dir, "run.sh");
    private string RecordFile => Path.Combine(Dir, "task.json");
    private string JobIdFile => Path.Combine(Dir, "job-id");
    private string FinalFile => Path.Combine(Dir, "final.json");
    /// <summary>Present from just before sbatch until its job id is recorded: a crash in between leaves it behind.</summary>
    public string SubmittingFile => Path.Combine(Dir, "submitting");

    public static bool IsValidTaskId(string taskId) => TaskIdPattern().IsMatch(taskId);

    public static bool IsValidVariable(string name) => VariablePattern().IsMatch(name);

    public SlurmTaskRecord? ReadRecord() => Read<SlurmTaskRecord>(RecordFile);
    public string? ReadJobId() => File.Exists(JobIdFile) ? File.ReadAllText(JobIdFile).Trim() is { Length: > 0 } id ? id : null : null;
    public PoolTaskStatus? ReadFinal() => Read<PoolTaskStatus>(FinalFile);

    public int? ReadExitCode() =>
        File.Exists(ExitCodeFile) && int.TryParse(File.ReadAllText(ExitCodeFile).Trim(), out var code) ? code : null;

    public int[] ReadGpuIndexes() =>
        File.Exists(GpusFile) ? [.. File.ReadAllText(GpusFile).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(i => int.TryParse(i, out var n) ? n : -1).Where(n => n >= 0)] : [];

    public void RecordJobId(string jobId)
    {
        WriteAtomically(JobIdFile, jobId);
        File.Delete(SubmittingFile);
    }

    public void RecordFinal(PoolTaskStatus status) => WriteAtomically(FinalFile, JsonSerializer.Serialize(status, Json));

    /// <summary>Writes everything the job needs; the tenant's script and inputs go to work/, its environment to env.sh.</summary>
    public void Write(PoolTaskSpec spec, string account)
    {
        Directory.CreateDirectory(Dir);
        SetMode(Dir, Mode755);
        Directory.CreateDirectory(Work);
        Directory.CreateDirectory(Log);
        WriteAtomically(RecordFile, JsonSerializer.Serialize(new SlurmTaskRecord(spec.TaskId, spec.NodeId, spec.ReservationId, spec.LeaseId, account), Json));
        File.WriteAllText(Path.Combine(Work, "job.sh"), spec.Script);
        foreach (var file in spec.Files) File.WriteAllBytes(Path.Combine(Work, Path.GetFileName(file.Name)), file.Content);
        var env = new StringBuilder("# The task's environment, sourced by run.sh (sbatch runs with --export=NONE).\n");
        foreach (var (name, value) in spec.Environment) env.Append("export ").Append(name).Append('=').Append(Quote(value)).Append('\n');
        File.WriteAllText(EnvFile, env.ToString());
        SetMode(EnvFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(RunScript, $"""
            #!/bin/bash
            # Written by the portal: runs the tenant's script and records its exit code, because Slurm forgets a
            # finished job after MinJobAge (there is no accounting to ask later).
            export PATH=/usr/local/bin:/usr/bin:/bin
            export HOME={Quote(Work)}
            echo "$SLURM_JOB_GPUS" > {Quote(Path.Combine(Log, "gpus"))}
            . {Quote(EnvFile)}
            rm -f {Quote(EnvFile)}
            cd {Quote(Work)} || exit 1
            /bin/bash ./job.sh
            code=$?
            echo "$code" > {Quote(Path.Combine(Log, "exit-code"))}
            exit "$code"

            """);
        SetMode(RunScript, Mode755);
        File.Delete(ExitCodeFile);
        File.Delete(GpusFile);
        File.Delete(Stdout);
        File.Delete(Stderr);
    }

    public void MarkSubmitting() => File.WriteAllText(SubmittingFile, DateTime.UtcNow.ToString("O"));

    /// <summary>A refused submit leaves no environment (secrets) behind.</summary>
    public void ClearSubmitting()
    {
        File.Delete(SubmittingFile);
        File.Delete(EnvFile);
    }

    /// <summary>Bytes of stdout or stderr from an offset (none when the file is not there yet), and the file's size.</summary>
    public (byte[] Data, long Size) ReadLog(PoolLogStream stream, long offset, int maxBytes)
    {
        var path = stream == PoolLogStream.Stdout ? Stdout : Stderr;
        if (!File.Exists(path)) return ([], 0);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var size = file.Length;
        if (offset >= size || maxBytes <= 0) return ([], size);
        file.Seek(offset, SeekOrigin.Begin);
        var data = new byte[(int)Math.Min(maxBytes, size - offset)];
        var read = 0;
        while (read < data.Length && file.Read(data, read, data.Length - read) is > 0 and var n) read += n;
        return (read == data.Length ? data : data[..read], size);
    }

    public long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>A value for bash, in single quotes: commas, spaces, quotes and $ stay exactly as given.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    private const UnixFileMode Mode755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    private static T? Read<T>(string path) where T : class
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null; }
        catch (JsonException) { return null; }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TaskIdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariablePattern();
}
