using System.Text.Json;
using System.Text.Unicode;

namespace Portal.Core.Batches;

/// <summary>One problem with a batch input (OpenAI's <c>errors.data</c> entry); <c>Line</c> is 1-based, null for the file.</summary>
public sealed record BatchError(string Code, string Message, string? Param = null, int? Line = null);

/// <summary>
/// One input line parsed as OpenAI's batch request <c>{custom_id, method, url, body}</c>. The shape rules live here
/// so that validation and the runner agree on what a line says. The document points into the reader's buffer:
/// dispose it before reading the next line.
/// </summary>
public sealed class BatchRequestLine : IDisposable
{
    public const int MaxCustomIdLength = 64;

    private readonly JsonDocument document;

    private BatchRequestLine(JsonDocument document, string customId, string method, string url, JsonElement body, string model)
    {
        this.document = document;
        (CustomId, Method, Url, Body, Model) = (customId, method, url, body, model);
    }

    public string CustomId { get; }
    public string Method { get; }
    public string Url { get; }
    public JsonElement Body { get; }
    public string Model { get; }

    /// <summary>
    /// Parses a line, or says what is wrong with it (<paramref name="lineNumber"/> names it). A last line the file
    /// ends in without a line break that does not parse is reported as truncated: the upload was most likely cut short.
    /// </summary>
    public static BatchRequestLine? Parse(ReadOnlyMemory<byte> line, int lineNumber, bool lastWithoutNewline, out BatchError? error)
    {
        error = null;
        if (!Utf8.IsValid(line.Span))
        {
            error = new("invalid_encoding", $"Line {lineNumber} is not valid UTF-8: save the file as UTF-8.", null, lineNumber);
            return null;
        }
        JsonDocument document;
        try { document = JsonDocument.Parse(line); }
        catch (JsonException e)
        {
            error = lastWithoutNewline
                ? new("truncated_line", $"Line {lineNumber} ends the file in the middle of a JSON object: the file looks truncated.", null, lineNumber)
                : new("invalid_json_line", $"Line {lineNumber} is not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]})", null, lineNumber);
            return null;
        }
        var parsed = Read(document, lineNumber, out error);
        if (parsed is null) document.Dispose();
        return parsed;
    }

    private static BatchRequestLine? Read(JsonDocument document, int n, out BatchError? error)
    {
        error = null;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = new("invalid_json_line", $"Line {n} must be a JSON object {{custom_id, method, url, body}}.", null, n);
            return null;
        }
        if (!root.TryGetProperty("custom_id", out var id))
            error = Missing("custom_id", n);
        else if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } customId)
            error = new("invalid_custom_id", $"Line {n}: custom_id must be a non-empty string.", "custom_id", n);
        else if (customId.EnumerateRunes().Count() > MaxCustomIdLength)
            error = new("invalid_custom_id", $"Line {n}: custom_id is longer than {MaxCustomIdLength} characters.", "custom_id", n);
        else if (!root.TryGetProperty("method", out var method))
            error = Missing("method", n);
        else if (method.ValueKind != JsonValueKind.String || method.GetString() != "POST")
            error = new("invalid_method", $"Line {n}: method must be \"POST\".", "method", n);
        else if (!root.TryGetProperty("url", out var url))
            error = Missing("url", n);
        else if (url.ValueKind != JsonValueKind.String)
            error = new("invalid_url", $"Line {n}: url must be a string such as \"/v1/chat/completions\".", "url", n);
        else if (!root.TryGetProperty("body", out var body))
            error = Missing("body", n);
        else if (body.ValueKind != JsonValueKind.Object)
            error = new("invalid_body", $"Line {n}: body must be a JSON object (the request to send).", "body", n);
        else if (!body.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelId)
            error = Missing("body.model", n);
        else
            return new BatchRequestLine(document, customId, "POST", url.GetString()!, body, modelId);
        return null;
    }

    private static BatchError Missing(string param, int n) =>
        new("missing_required_parameter", $"Line {n} has no {param}.", param, n);

    /// <summary>The body's bytes as they are in the file, copied (the request outlives the reader's buffer).</summary>
    public byte[] BodyBytes() => System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(Body).ToArray();

    public void Dispose() => document.Dispose();
}
