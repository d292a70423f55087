namespace Portal.Web.ScriptJobs;

/// <summary>
/// The service's refusal of a launch, one message per form field. Field names are matched loosely (<c>GpusPerTask</c>,
/// <c>gpusPerTask</c>, <c>Variables[2].Name</c> all find their field), so the page and the API can share the service's
/// words; a message no field claims is shown above the Launch button.
/// </summary>
public sealed class LaunchJobErrors
{
    /// <summary>The form's fields, as normalised keys (lower case, no separators).</summary>
    public static readonly string[] Fields =
        ["name", "script", "gpuspertask", "tasks", "variables", "timelimitminutes", "files", "retries", "retryexitcodes", "priority", "profile"];

    private readonly Dictionary<string, string> byField = [];

    public LaunchJobErrors() { }

    public LaunchJobErrors(IReadOnlyDictionary<string, string> errors)
    {
        foreach (var (key, message) in errors)
        {
            var field = FieldOf(key) ?? "";
            byField[field] = byField.TryGetValue(field, out var before) ? before + " " + message : message;
        }
    }

    public string? this[string field] => byField.GetValueOrDefault(field);
    public bool Has(string field) => byField.ContainsKey(field);
    /// <summary>Messages for no field of the form.</summary>
    public string? Unclaimed => byField.GetValueOrDefault("");
    public bool Any => byField.Count > 0;

    /// <summary>Adds a message the page found itself (a number it could not read).</summary>
    public LaunchJobErrors With(string field, string message)
    {
        byField[field] = message;
        return this;
    }

    private static string? FieldOf(string key)
    {
        var k = new string(key.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        // Aliases the API's names may use.
        k = k switch { "gpus" => "gpuspertask", "env" or "environment" => "variables", "timelimit" => "timelimitminutes", "inputfiles" => "files", _ => k };
        return Fields.OrderByDescending(f => f.Length).FirstOrDefault(f => k.StartsWith(f, StringComparison.Ordinal));
    }
}
