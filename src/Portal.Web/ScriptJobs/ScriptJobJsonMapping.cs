using System.Globalization;
using System.Text.Json;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>Turns what a job stores as text (variables, files, exit codes) into the API's JSON, leaving secret values out.</summary>
internal static class ScriptJobJsonMapping
{
    /// <summary>"0,1" → [0, 1]; null or blank → [].</summary>
    public static IReadOnlyList<int> Numbers(string? commaSeparated) => string.IsNullOrWhiteSpace(commaSeparated)
        ? []
        : [.. commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? (int?)n : null)
            .OfType<int>()];

    /// <summary>
    /// The job's variables. A secret one is stored without its value, and even if a value were there it is not read:
    /// secrets are write-only.
    /// </summary>
    public static IReadOnlyList<JobVariableJson> Variables(string? json) => [.. Items(json).Select(v =>
    {
        var secret = Prop(v, "secret") is { ValueKind: JsonValueKind.True };
        var value = secret ? null : Prop(v, "value") is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
        return new JobVariableJson(Prop(v, "name")?.GetString() ?? "", value, secret);
    })];

    public static IReadOnlyList<JobFileJson> Files(string? json) => [.. Items(json).Select(f =>
        new JobFileJson(Prop(f, "name")?.GetString() ?? "", Prop(f, "bytes") is { ValueKind: JsonValueKind.Number } b ? b.GetInt64() : 0))];

    /// <summary>Null until the job has ended; the warning names the idle GPUs ("2 of 4 GPUs were idle").</summary>
    public static JobMetricsSummaryJson? Summary(ScriptJob j)
    {
        if (!ScriptJobStateMachine.IsFinal(j.State)) return null;
        var warning = j is { IdleGpus: > 0, SampledGpus: > 0 }
            ? $"{j.IdleGpus} of {j.SampledGpus} GPU{(j.SampledGpus == 1 ? "" : "s")} {(j.IdleGpus == 1 ? "was" : "were")} idle"
            : null;
        return new JobMetricsSummaryJson(j.MeanGpuUtil, j.PeakFbUsedMiB, Math.Round(j.GpuSeconds / 3600.0, 4), j.IdleGpus, j.SampledGpus, warning);
    }

    private static List<JsonElement> Items(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Array
            ? [.. doc.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => e.Clone())]
            : [];
    }

    /// <summary>A property by name whatever its case ("name" or "Name": the stored shape is the launcher's).</summary>
    private static JsonElement? Prop(JsonElement e, string name)
    {
        foreach (var p in e.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }
}
