using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Portal.Core.Batches;

/// <summary>
/// Whether a request fits its model's context: prompt tokens (o200k_base, counted as the simulator counts them)
/// plus <c>max_tokens</c> when given, or for embeddings each input on its own. A token is at least one byte of
/// UTF-8, so text whose byte length already fits is never tokenized, and counting stops once the limit is passed:
/// checking a 200 MB file costs parsing, not tokenizing.
/// </summary>
public static class BatchContextCheck
{
    private static readonly Lazy<Tokenizer> Tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>Null when the request fits; otherwise why not (the line's error message).</summary>
    public static string? Problem(string endpoint, JsonElement body, int contextLength)
    {
        if (contextLength <= 0) return null;
        var maxTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens") ?? 0;
        // Every text is inside the body, and its escaped JSON form is never shorter than its UTF-8 bytes.
        if (JsonMarshal.GetRawUtf8Value(body).Length + (long)maxTokens <= contextLength) return null;
        if (endpoint == BatchUrls.Embeddings)
        {
            var inputs = Texts(body, "input");
            for (var i = 0; i < inputs.Count; i++)
                if (Exceeds(inputs[i..(i + 1)], 0, contextLength) is { } tokens)
                    return $"Input {i} has more than {contextLength} tokens ({tokens}+), this model's maximum input length.";
            return null;
        }

        var texts = endpoint == BatchUrls.Completions ? Texts(body, "prompt") : MessageTexts(body);
        return Exceeds(texts, maxTokens, contextLength) is { } prompt
            ? $"This model's maximum context length is {contextLength} tokens; this request asks for at least {prompt + maxTokens} " +
              $"({prompt}+ in the prompt, {maxTokens} to generate)."
            : null;
    }

    /// <summary>
    /// Null when the texts and <paramref name="reserved"/> fit in <paramref name="limit"/>; else the prompt tokens counted so far (past the limit).
    /// </summary>
    private static int? Exceeds(IReadOnlyList<string> texts, int reserved, int limit)
    {
        var budget = limit - reserved;
        if (budget < 0) return 0;
        long bytes = 0;
        foreach (var t in texts) bytes += Encoding.UTF8.GetByteCount(t);
        if (bytes <= budget) return null;

        var used = 0;
        foreach (var text in texts)
        {
            if (text.Length == 0) continue;
            Tokenizer.Value.GetIndexByTokenCount(text, budget - used + 1, out _, out var count);
            used += count;
            if (used > budget) return used;
        }
        return null;
    }

    private static int? Int(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    /// <summary>A string or the strings of an array (token-id arrays are not text and are left to the server).</summary>
    private static List<string> Texts(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value)) return [];
        if (value.ValueKind == JsonValueKind.String) return [value.GetString()!];
        if (value.ValueKind != JsonValueKind.Array) return [];
        return [.. value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)];
    }

    /// <summary>Each message's content: a string, or the text parts of a content array (as the simulator reads it).</summary>
    private static List<string> MessageTexts(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array) return [];
        var texts = new List<string>();
        foreach (var m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("content", out var content)) continue;
            if (content.ValueKind == JsonValueKind.String) texts.Add(content.GetString()!);
            else if (content.ValueKind == JsonValueKind.Array)
                texts.AddRange(content.EnumerateArray()
                    .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                    .Select(p => p.GetProperty("text").GetString()!));
        }
        return texts;
    }
}

/// <summary>The urls (endpoints) a batch and its lines may target, as OpenAI names them.</summary>
public static class BatchUrls
{
    public const string ChatCompletions = "/v1/chat/completions";
    public const string Completions = "/v1/completions";
    public const string Embeddings = "/v1/embeddings";

    public static readonly IReadOnlyList<string> All = [ChatCompletions, Completions, Embeddings];

    /// <summary>The model kind an endpoint needs.</summary>
    public static Catalog.ModelKind KindFor(string endpoint) =>
        endpoint == Embeddings ? Catalog.ModelKind.Embeddings : Catalog.ModelKind.Chat;
}
