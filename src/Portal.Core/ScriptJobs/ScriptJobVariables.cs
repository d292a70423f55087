using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A job's variables as stored: plain ones with their values in <see cref="ScriptJob.VariablesJson"/>, secret ones there
/// by name only (<c>"secret": true</c>) with their values encrypted apart (<see cref="ScriptJobSecrets"/>).
/// </summary>
public static class ScriptJobVariables
{
    /// <summary>What pages and the API show for a secret value: never the value, not even its length.</summary>
    public const string Mask = "••••••";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    private sealed record Stored(string Name, string? Value = null, bool Secret = false);

    /// <summary>Splits a request's variables: the JSON to store (no secret value in it) and the secrets to encrypt.</summary>
    public static (string Json, Dictionary<string, string> Secrets) Split(IReadOnlyList<JobVariable>? variables)
    {
        var stored = new List<Stored>();
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in variables ?? [])
        {
            if (v.Secret)
            {
                stored.Add(new Stored(v.Name, Secret: true));
                secrets[v.Name] = v.Value;
            }
            else stored.Add(new Stored(v.Name, v.Value));
        }
        return (JsonSerializer.Serialize(stored, Json), secrets);
    }

    /// <summary>The variables to show on a page or in the API, in the order given: secret values masked.</summary>
    public static IReadOnlyList<JobVariable> ForDisplay(ScriptJob job) =>
        Read(job).Select(s => s.Secret ? new JobVariable(s.Name, Mask, true) : new JobVariable(s.Name, s.Value ?? "")).ToList();

    /// <summary>
    /// The environment a task gets from its job: plain values and the revealed secrets (for the pool only; the pool's
    /// own variables such as <c>PORTAL_TASK_INDEX</c> are added by whoever submits the task).
    /// </summary>
    public static Dictionary<string, string> Environment(ScriptJob job, IReadOnlyDictionary<string, string> secrets)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in Read(job))
        {
            if (!s.Secret) env[s.Name] = s.Value ?? "";
            else if (secrets.TryGetValue(s.Name, out var value)) env[s.Name] = value;
        }
        return env;
    }

    /// <summary>The names of the secret variables (to mask their values in logs, say).</summary>
    public static IReadOnlyList<string> SecretNames(ScriptJob job) => Read(job).Where(s => s.Secret).Select(s => s.Name).ToList();

    private static List<Stored> Read(ScriptJob job) =>
        string.IsNullOrEmpty(job.VariablesJson) ? [] : JsonSerializer.Deserialize<List<Stored>>(job.VariablesJson, Json) ?? [];
}
