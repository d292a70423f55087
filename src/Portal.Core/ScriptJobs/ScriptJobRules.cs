using System.Text;
using System.Text.RegularExpressions;
using Portal.Core.Catalog;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// What a launch request must be, field by field (keys are the request's property names, so a page shows each message
/// under its field). The lease's own limits come in <see cref="LeaseLimits"/>; the time limit against the lease's end is
/// checked separately (<see cref="TimeLimitPastLeaseEnd"/>) because its refusal carries a link.
/// </summary>
public static partial class ScriptJobRules
{
    public const int MaxNameLength = 100;
    public const int MaxKeyLength = 100;
    public const int MaxVariableValueBytes = 32 * 1024;
    public const int MaxRetries = 10;
    /// <summary>Retry exit codes are stored comma-separated in 200 characters: 40 codes fit whatever they are.</summary>
    public const int MaxRetryExitCodes = 40;
    public const int MaxInputFiles = 100;
    public const int MaxFileNameLength = 255;
    public const int MinPriority = -100, MaxPriority = 100;
    public static readonly string[] Profiles = ["busy", "idle", "oom"];

    /// <summary>
    /// Names the pool sets for every task (which GPUs, who, where): a job cannot override them. Not a sandbox: the script
    /// itself can still export anything; this keeps a job's settings from silently fighting the pool's.
    /// </summary>
    public static readonly string[] ReservedNames =
        ["CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD"];
    public static readonly string[] ReservedPrefixes = ["PORTAL_", "SLURM_"];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    /// <summary>What the lease allows: its GPUs, the most GPUs one task can get on one node, and its window.</summary>
    public sealed record LeaseLimits(int Gpus, int MaxGpusPerTask, DateTime Start, DateTime End);

    /// <summary>Every field at fault with its message; empty when the request is valid (the time limit's end aside).</summary>
    public static Dictionary<string, string> Validate(ScriptJobRequest r, LeaseLimits lease, ScriptJobOptions options)
    {
        var errors = new Dictionary<string, string>();
        void Add(string field, string message) => errors.TryAdd(field, message);

        if (string.IsNullOrWhiteSpace(r.Name)) Add(nameof(r.Name), "Name the job.");
        else if (r.Name.Trim().Length > MaxNameLength) Add(nameof(r.Name), $"The name is {r.Name.Trim().Length} characters; at most {MaxNameLength}.");
        else if (r.Name.Any(char.IsControl)) Add(nameof(r.Name), "The name cannot contain control characters.");

        if (string.IsNullOrWhiteSpace(r.Script)) Add(nameof(r.Script), "The script is empty: type, paste or upload a bash script.");
        else if (Encoding.UTF8.GetByteCount(r.Script) is var bytes && bytes > options.MaxScriptBytes)
            Add(nameof(r.Script), $"The script is {bytes} bytes in UTF-8; at most {Size(options.MaxScriptBytes)} ({options.MaxScriptBytes} bytes).");

        if (r.GpusPerTask < 1) Add(nameof(r.GpusPerTask), "A task needs at least 1 GPU.");
        else if (r.GpusPerTask > lease.Gpus)
            Add(nameof(r.GpusPerTask), $"At most {Counted.Gpus(lease.Gpus)} per task: this lease holds {Counted.Gpus(lease.Gpus)}.");
        else if (r.GpusPerTask > lease.MaxGpusPerTask)
            Add(nameof(r.GpusPerTask), $"At most {Counted.Gpus(lease.MaxGpusPerTask)} per task: " +
                $"this lease holds at most {Counted.Gpus(lease.MaxGpusPerTask)} on one node, "
                    + "and a task runs on one node.");

        if (r.Tasks < 1 || r.Tasks > options.MaxTasks) Add(nameof(r.Tasks), $"Tasks must be between 1 and {options.MaxTasks}.");

        ValidateVariables(r.Variables ?? [], options, Add);
        ValidateFiles(r.Files ?? [], options, Add);

        if (r.TimeLimitMinutes is < 1) Add(nameof(r.TimeLimitMinutes), "The time limit is at least 1 minute (leave it empty to run until the lease ends).");
        if (r.Retries is < 0 or > MaxRetries) Add(nameof(r.Retries), $"Retries must be between 0 and {MaxRetries}.");
        if (r.RetryExitCodes is { } codes)
        {
            if (codes.Any(c => c is < 1 or > 255)) Add(nameof(r.RetryExitCodes), "Retry exit codes are between 1 and 255 (0 is success).");
            else if (codes.Distinct().Count() > MaxRetryExitCodes) Add(nameof(r.RetryExitCodes), $"At most {MaxRetryExitCodes} retry exit codes.");
        }
        if (r.Priority is < MinPriority or > MaxPriority) Add(nameof(r.Priority), $"Priority must be between {MinPriority} and {MaxPriority}.");
        if (r.Profile is { Length: > 0 } p && !Profiles.Contains(p.Trim().ToLowerInvariant()))
            Add(nameof(r.Profile), $"Unknown profile \"{Clip(p)}\": use {string.Join(", ", Profiles)} or none.");
        if (r.IdempotencyKey is { Length: > MaxKeyLength }) Add(nameof(r.IdempotencyKey), $"The idempotency key is at most {MaxKeyLength} characters.");
        return errors;
    }

    /// <summary>
    /// The message when the time limit, counted from <paramref name="from"/> (now, or the start of a lease that has not
    /// started), ends after the lease; null when it fits or there is none.
    /// </summary>
    public static string? TimeLimitPastLeaseEnd(int? minutes, DateTime from, DateTime leaseEnd) =>
        minutes is { } m and > 0 && from.AddMinutes(m) > leaseEnd
            ? $"A {m}-minute time limit runs past this lease's end ({leaseEnd:yyyy-MM-dd HH:mm} UTC), " +
              $"{Math.Max(0, (int)(leaseEnd - from).TotalMinutes)} minutes after the job can start: " +
              "shorten the limit, leave it empty to run until the lease ends, or extend the lease."
            : null;

    private static void ValidateVariables(IReadOnlyList<JobVariable> variables, ScriptJobOptions options, Action<string, string> add)
    {
        const string field = nameof(ScriptJobRequest.Variables);
        if (variables.Count > options.MaxVariables) { add(field, $"At most {options.MaxVariables} variables."); return; }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in variables)
        {
            if (v is null) { add(field, "A variable is empty: give it a name and a value."); continue; }
            var name = v.Name ?? "";
            if (!VariableName().IsMatch(name))
                add(field, $"\"{Clip(name)}\" is not a variable name: letters, digits and _, not starting with a digit.");
            else if (ReservedNames.Contains(name) || ReservedPrefixes.Any(name.StartsWith))
                add(field, $"{name} is set by the pool for every task and cannot be set by a job.");
            else if (!seen.Add(name)) add(field, $"{name} is set twice.");
            else if (v.Value is null) add(field, $"{name} has no value.");
            else if (v.Value.Contains('\0')) add(field, $"The value of {name} cannot contain a NUL character.");
            else if (Encoding.UTF8.GetByteCount(v.Value) > MaxVariableValueBytes) add(field, $"The value of {name} is over {Size(MaxVariableValueBytes)}.");
        }
    }

    private static void ValidateFiles(IReadOnlyList<JobInputFile> files, ScriptJobOptions options, Action<string, string> add)
    {
        const string field = nameof(ScriptJobRequest.Files);
        if (files.Count > MaxInputFiles) { add(field, $"At most {MaxInputFiles} input files."); return; }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            if (f is null) { add(field, "An input file is empty: give it a name and content."); continue; }
            if (!IsPlainFileName(f.Name)) add(field, $"\"{Clip(f.Name ?? "")}\" is not a plain file name (no folders, no leading dot, no control characters).");
            else if (!seen.Add(f.Name)) add(field, $"Two input files are named {f.Name}.");
            else if (f.Content is null) add(field, $"{f.Name} has no content.");
        }
        var total = files.Sum(f => (long)(f?.Content?.Length ?? 0));
        if (total > options.MaxInputBytes) add(field,
            $"The input files are {total} bytes together; at most {Size(options.MaxInputBytes)} ({options.MaxInputBytes} bytes).");
    }

    /// <summary>A name a file can have in the task's working directory and nowhere else.</summary>
    public static bool IsPlainFileName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= MaxFileNameLength && name == name.Trim()
        && !name.StartsWith('.') && !name.Contains('/') && !name.Contains('\\') && !name.Contains("..")
        && !name.Any(char.IsControl) && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;

    public static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        >= 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
