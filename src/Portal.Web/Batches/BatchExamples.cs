using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Catalog;
using Portal.Core.Data;

namespace Portal.Web.Batches;

/// <summary>
/// Small example input files, one per endpoint, on a model of the catalog that serves it: what a member downloads
/// (or pastes) on the new batch page to see the format, and what they can run as it is.
/// </summary>
public static class BatchExamples
{
    private static readonly string[] Questions =
    [
        "What is the capital of France?",
        "Write a haiku about GPUs.",
        "Explain batch inference in one sentence.",
    ];

    private static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Batch inference runs many requests at a lower price.",
        "Embeddings turn text into vectors for search.",
    ];

    /// <summary>The models that can serve <paramref name="endpoint"/>, cheapest input first.</summary>
    public static async Task<List<HostedModel>> ModelsForAsync(IDbContextFactory<PortalDbContext> dbFactory, string endpoint, CancellationToken ct = default)
    {
        var kind = KindFor(endpoint);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Models.AsNoTracking().Where(m => m.RetiredAt == null && m.Kind == kind)
            .OrderBy(m => m.InputMicrosPerMillionTokens).ThenBy(m => m.Id).ToListAsync(ct);
    }

    public static ModelKind KindFor(string endpoint) => endpoint == "/v1/embeddings" ? ModelKind.Embeddings : ModelKind.Chat;

    /// <summary>Three request lines for <paramref name="endpoint"/> on <paramref name="model"/>.</summary>
    public static IReadOnlyList<string> Lines(string endpoint, string model) =>
        [.. Enumerable.Range(0, 3).Select(i => JsonSerializer.Serialize(new
        {
            custom_id = $"request-{i + 1}",
            method = "POST",
            url = endpoint,
            body = Body(endpoint, model, i),
        }))];

    public static string Jsonl(string endpoint, string model) => string.Concat(Lines(endpoint, model).Select(l => l + "\n"));

    private static object Body(string endpoint, string model, int i) => endpoint switch
    {
        "/v1/embeddings" => new { model, input = Sentences[i] },
        "/v1/completions" => new { model, prompt = Questions[i], max_tokens = 50 },
        _ => new
        {
            model,
            messages = new object[] { new { role = "system", content = "You are a helpful assistant." }, new { role = "user", content = Questions[i] } },
            max_tokens = 50,
        },
    };

    /// <summary>
    /// Sets <c>body.model</c> on every line that is a JSON object with a body object, keeping everything else as it was;
    /// other lines (blank, broken) are left untouched for validation to report.
    /// </summary>
    public static string WithModel(string jsonl, string model)
    {
        var lines = jsonl.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(lines[i]) is System.Text.Json.Nodes.JsonObject line
                    && line["body"] is System.Text.Json.Nodes.JsonObject body)
                {
                    body["model"] = model;
                    lines[i] = line.ToJsonString();
                }
            }
            catch (JsonException) { /* left as it is: validation names the line */ }
        }
        return string.Join('\n', lines);
    }
}
