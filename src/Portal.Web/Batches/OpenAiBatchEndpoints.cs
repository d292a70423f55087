using System.Text.Json;
using Portal.Core.Batches;

namespace Portal.Web.Batches;

/// <summary>The Batches endpoints of <see cref="OpenAiApi"/>: create (from an uploaded file), list, get, cancel.</summary>
internal static class OpenAiBatchEndpoints
{
    internal static async Task<IResult> CreateAsync(HttpRequest http, BatchService batches, CancellationToken ct)
    {
        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Body, cancellationToken: ct);
        }
        catch (JsonException)
        {
            return OpenAiError.UnparsableBody();
        }
        if (body.ValueKind != JsonValueKind.Object) return OpenAiError.UnparsableBody();
        var request = new BatchRequest(String(body, "input_file_id"), String(body, "endpoint"), String(body, "completion_window"), Metadata(body));
        return OpenAiJson.Result(OpenAiJson.Batch(await batches.CreateAsync(request, ct)));
    }

    internal static async Task<IResult> GetAsync(string id, BatchService batches, CancellationToken ct) =>
        OpenAiJson.Result(OpenAiJson.Batch(await batches.GetAsync(id, ct) ?? throw BatchException.BatchNotFound(id)));

    internal static async Task<IResult> ListAsync(BatchService batches, string? after, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > 100) return OpenAiError.Create(400, "'limit' must be between 1 and 100.", "limit");
        var (page, hasMore) = await batches.ListAsync(after, limit ?? 20, ct);
        return OpenAiJson.Result(OpenAiListJson<OpenAiBatchJson>.Of([.. page.Select(OpenAiJson.Batch)], b => b.Id, hasMore));
    }

    internal static async Task<IResult> CancelAsync(string id, BatchService batches, CancellationToken ct) =>
        OpenAiJson.Result(OpenAiJson.Batch(await batches.CancelAsync(id, ct)));

    /// <summary>A string field; any other JSON type is refused naming the field.</summary>
    private static string? String(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw BatchException.Invalid($"Invalid type for '{name}': expected a string.", name);

    private static Dictionary<string, string>? Metadata(JsonElement body)
    {
        if (!body.TryGetProperty("metadata", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Object) throw BatchException.Invalid("Invalid type for 'metadata': expected an object of strings.", "metadata");
        var metadata = new Dictionary<string, string>();
        foreach (var pair in value.EnumerateObject())
            metadata[pair.Name] = pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString()!
                : throw BatchException.Invalid($"Invalid type for 'metadata.{pair.Name}': expected a string.", "metadata");
        return metadata;
    }
}
