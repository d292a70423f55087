using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Data;

namespace Portal.Web.Batches;

public static partial class OpenAiApi
{
    private static async Task<IResult> CreateBatchAsync(HttpRequest http, BatchService batches, CancellationToken ct)
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
        return Json(OpenAiJson.Batch(await batches.CreateAsync(request, ct)));
    }

    private static async Task<IResult> GetBatchAsync(string id, BatchService batches, CancellationToken ct) =>
        Json(OpenAiJson.Batch(await batches.GetAsync(id, ct) ?? throw BatchException.BatchNotFound(id)));

    private static async Task<IResult> ListBatchesAsync(BatchService batches, string? after, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > 100) return OpenAiError.Create(400, "'limit' must be between 1 and 100.", "limit");
        var (page, hasMore) = await batches.ListAsync(after, limit ?? 20, ct);
        return Json(OpenAiListJson<OpenAiBatchJson>.Of([.. page.Select(OpenAiJson.Batch)], b => b.Id, hasMore));
    }

    private static async Task<IResult> CancelBatchAsync(string id, BatchService batches, CancellationToken ct) =>
        Json(OpenAiJson.Batch(await batches.CancelAsync(id, ct)));

    private static async Task<IResult> ListModelsAsync(IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().Where(m => m.RetiredAt == null).OrderBy(m => m.Id).ToListAsync(ct);
        return Json(new { @object = "list", data = models.Select(OpenAiJson.Model).ToList() });
    }

    private static async Task<IResult> GetModelAsync(string id, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id && m.RetiredAt == null, ct) is { } model
            ? Json(OpenAiJson.Model(model))
            : OpenAiError.Create(404, $"The model '{id}' does not exist", "model", "model_not_found");
    }

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
