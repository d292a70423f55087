using System.Text.Json;

namespace Portal.Core.Batches;

/// <summary>The create-batch body's rules, as OpenAI's: endpoint, completion window and metadata limits.</summary>
public static class BatchRequestRules
{
    public const int MaxMetadataPairs = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;

    /// <summary>Refuses a request that breaks a rule; returns the metadata as JSON (or null).</summary>
    public static string? Check(BatchRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.InputFileId)) throw BatchException.Invalid("Missing required parameter: 'input_file_id'.", "input_file_id");
        if (string.IsNullOrWhiteSpace(r.Endpoint)) throw BatchException.Invalid("Missing required parameter: 'endpoint'.", "endpoint");
        if (!BatchService.Endpoints.Contains(r.Endpoint))
            throw BatchException.Invalid(
                $"Invalid value for 'endpoint': '{r.Endpoint}'. Supported values are: {string.Join(", ", BatchService.Endpoints.Select(e => $"'{e}'"))}.",
                "endpoint");
        if (string.IsNullOrWhiteSpace(r.CompletionWindow))
            throw BatchException.Invalid("Missing required parameter: 'completion_window'. Use \"24h\".", "completion_window");
        if (r.CompletionWindow != BatchService.CompletionWindow)
            throw BatchException.Invalid($"Invalid value for 'completion_window': '{r.CompletionWindow}'. Supported values are: '24h'.", "completion_window");
        if (r.Metadata is not { Count: > 0 } metadata) return null;
        if (metadata.Count > MaxMetadataPairs)
            throw BatchException.Invalid($"'metadata' may have at most {MaxMetadataPairs} pairs; it has {metadata.Count}.", "metadata");
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxMetadataKeyLength)
                throw BatchException.Invalid($"Metadata keys are 1 to {MaxMetadataKeyLength} characters; '{Short(key)}' is not.", "metadata");
            if (value is null || value.Length > MaxMetadataValueLength)
                throw BatchException.Invalid(
                    $"Metadata values are strings of at most {MaxMetadataValueLength} characters; the value of '{key}' is not.", "metadata");
        }
        return JsonSerializer.Serialize(metadata);
    }

    private static string Short(string s) => s.Length > 70 ? s[..70] + "…" : s;
}
