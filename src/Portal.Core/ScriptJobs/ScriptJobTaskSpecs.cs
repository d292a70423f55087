using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// What the pool is given for one attempt of a task: its script, its variables (secrets revealed only here, on
/// their way to the pool), the PORTAL_* variables, the input files, and a time limit that never passes the lease's end.
/// </summary>
public sealed class ScriptJobTaskSpecs(ScriptJobSecrets secrets, IOptions<ScriptJobOptions> options, IHostEnvironment host)
{
    /// <summary>The pool's id of a task's attempt: submitting it again is the same task (idempotent per attempt).</summary>
    public static string PoolTaskId(ScriptJobTask task) => $"{task.Id:N}-{task.Attempt}";

    /// <summary>Where the jobs' files live: <see cref="ScriptJobOptions.Root"/> under the content root, default data/jobs.</summary>
    public string Root => Path.GetFullPath(Path.Combine(host.ContentRootPath,
        options.Value.Root is { Length: > 0 } root ? root : Path.Combine("data", "jobs")));

    public PoolTaskSpec Build(ScriptJob job, ScriptJobTask task, string nodeId, Guid reservationId, DateTime leaseEnd, DateTime now)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in PlainVariables(job.VariablesJson)) env[v.Key] = v.Value;
        foreach (var (name, value) in secrets.Reveal(job)) env[name] = value;
        // The portal's own names last: a job cannot pretend to be another task.
        env["PORTAL_JOB_ID"] = job.Id.ToString();
        env["PORTAL_TASK_INDEX"] = task.Index.ToString(CultureInfo.InvariantCulture);
        env["PORTAL_TASK_COUNT"] = job.TaskCount.ToString(CultureInfo.InvariantCulture);
        env["PORTAL_LEASE_ID"] = job.LeaseId.ToString();
        env["PORTAL_ATTEMPT"] = task.Attempt.ToString(CultureInfo.InvariantCulture);
        return new PoolTaskSpec(PoolTaskId(task), nodeId, reservationId, task.Gpus, job.Script, env, InputFiles(job),
            TimeLimitSeconds(job, leaseEnd, now), job.Profile);
    }

    /// <summary>The job's limit, or the time left until the lease ends when that comes first (at least one second).</summary>
    public static int TimeLimitSeconds(ScriptJob job, DateTime leaseEnd, DateTime now)
    {
        var untilEnd = Math.Max(1, (long)Math.Ceiling((leaseEnd - now).TotalSeconds));
        var limit = job.TimeLimitMinutes is { } m ? Math.Min(untilEnd, m * 60L) : untilEnd;
        return (int)Math.Min(limit, int.MaxValue);
    }

    /// <summary>The input files, read from &lt;Root&gt;/&lt;job id&gt;/inputs/&lt;name&gt; as the launch stored them.</summary>
    public IReadOnlyList<PoolTaskFile> InputFiles(ScriptJob job)
    {
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(job.InputFilesJson) ? "[]" : job.InputFilesJson);
        var folder = Path.Combine(Root, job.Id.ToString(), "inputs");
        var files = new List<PoolTaskFile>();
        foreach (var f in doc.RootElement.EnumerateArray())
        {
            var name = f.GetProperty("name").GetString();
            // A plain file name only (the launch checks it too): nothing outside the job's folder is ever read.
            if (string.IsNullOrEmpty(name) || Path.GetFileName(name) != name) continue;
            files.Add(new PoolTaskFile(name, File.ReadAllBytes(Path.Combine(folder, name))));
        }
        return files;
    }

    private static IEnumerable<KeyValuePair<string, string>> PlainVariables(string json)
    {
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        var list = new List<KeyValuePair<string, string>>();
        foreach (var v in doc.RootElement.EnumerateArray())
        {
            if (v.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.True) continue; // revealed separately
            if (v.GetProperty("name").GetString() is { Length: > 0 } name)
                list.Add(new(name, v.TryGetProperty("value", out var value) ? value.GetString() ?? "" : ""));
        }
        return list;
    }
}
