using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core.Batches;
using Portal.Core.Catalog;

namespace Portal.Web.Batches;

// The objects of OpenAI's Files, Batches and Models APIs, field for field: snake_case, unix seconds, an "object"
// naming the kind, and nulls where OpenAI writes nulls. Pages can show the same through these mappings.

public sealed record OpenAiListJson<T>(string Object, IReadOnlyList<T> Data, string? FirstId, string? LastId, bool HasMore)
{
    public static OpenAiListJson<T> Of(IReadOnlyList<T> data, Func<T, string> id, bool hasMore) =>
        new("list", data, data.Count > 0 ? id(data[0]) : null, data.Count > 0 ? id(data[^1]) : null, hasMore);
}

/// <summary>A file. <c>status</c> is always <c>processed</c>: a file is complete once its upload answers.</summary>
public sealed record OpenAiFileJson(string Id, string Object, long Bytes, long CreatedAt, long? ExpiresAt, string Filename,
    string Purpose, string Status, string? StatusDetails);

public sealed record OpenAiDeletedJson(string Id, string Object, bool Deleted);

public sealed record OpenAiRequestCountsJson(int Total, int Completed, int Failed);

public sealed record OpenAiBatchErrorJson(string? Code, string? Message, string? Param, int? Line);

public sealed record OpenAiBatchErrorsJson(string Object, IReadOnlyList<OpenAiBatchErrorJson> Data);

public sealed record OpenAiInputTokensDetailsJson(long CachedTokens);

public sealed record OpenAiOutputTokensDetailsJson(long ReasoningTokens);

public sealed record OpenAiUsageJson(long InputTokens, OpenAiInputTokensDetailsJson InputTokensDetails, long OutputTokens,
    OpenAiOutputTokensDetailsJson OutputTokensDetails, long TotalTokens);

public sealed record OpenAiBatchJson(string Id, string Object, string Endpoint, string? Model, OpenAiBatchErrorsJson? Errors,
    string InputFileId, string CompletionWindow, string Status, string? OutputFileId, string? ErrorFileId,
    long CreatedAt, long? InProgressAt, long? ExpiresAt, long? FinalizingAt, long? CompletedAt, long? FailedAt, long? ExpiredAt,
    long? CancellingAt, long? CancelledAt, OpenAiRequestCountsJson RequestCounts, OpenAiUsageJson? Usage,
    IReadOnlyDictionary<string, string>? Metadata);

public sealed record OpenAiModelJson(string Id, string Object, long Created, string OwnedBy);

public static class OpenAiJson
{
    /// <summary>How the /v1 API writes JSON: snake_case, nulls kept.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonSerializerOptions Read = new(JsonSerializerDefaults.Web);

    /// <summary>An endpoint's answer written the /v1 way (<see cref="Options"/>).</summary>
    public static IResult Result(object value) => TypedResults.Json(value, Options);

    public static long Unix(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();

    public static long? Unix(DateTime? utc) => utc is { } t ? Unix(t) : null;

    public static OpenAiFileJson File(BatchFile f) =>
        new(f.Id, "file", f.Bytes, Unix(f.CreatedAt), Unix(f.ExpiresAt), f.Filename, f.Purpose, "processed", null);

    public static OpenAiBatchJson Batch(Batch b) => new(
        b.Id, "batch", b.Endpoint, b.Model, Errors(b.ErrorsJson), b.InputFileId, b.CompletionWindow, BatchService.OpenAiStatus(b.Status),
        b.OutputFileId, b.ErrorFileId, Unix(b.CreatedAt), Unix(b.InProgressAt), Unix(b.ExpiresAt), Unix(b.FinalizingAt),
        Unix(b.CompletedAt), Unix(b.FailedAt), Unix(b.ExpiredAt), Unix(b.CancellingAt), Unix(b.CancelledAt),
        new OpenAiRequestCountsJson(b.RequestTotal, b.RequestCompleted, b.RequestFailed),
        // Nothing was sent before the batch ran: no usage to report yet.
        b.InProgressAt is null && b.InputTokens == 0 && b.OutputTokens == 0 ? null
            : new OpenAiUsageJson(b.InputTokens, new(0), b.OutputTokens, new(0), b.InputTokens + b.OutputTokens),
        b.MetadataJson is { Length: > 0 } m ? JsonSerializer.Deserialize<Dictionary<string, string>>(m) : null);

    /// <summary>The batch's file-level problems (<see cref="Batch.ErrorsJson"/>: [{code, message, param, line}]) as OpenAI's list.</summary>
    public static OpenAiBatchErrorsJson? Errors(string? errorsJson) =>
        errorsJson is { Length: > 0 } json && JsonSerializer.Deserialize<List<OpenAiBatchErrorJson>>(json, Read) is { } data
            ? new OpenAiBatchErrorsJson("list", data)
            : null;

    /// <summary>The catalog does not record when a model was added: <c>created</c> is 0.</summary>
    public static OpenAiModelJson Model(HostedModel m) => new(m.Id, "model", 0, "portal");
}
