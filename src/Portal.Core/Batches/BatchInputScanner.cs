using Portal.Core.Catalog;

namespace Portal.Core.Batches;

/// <summary>What reading the whole file found: file-level problems, or the requests and their one model.</summary>
public sealed record BatchInputScan(BatchErrorList Errors, int Requests, string? Model, int OverContext);

/// <summary>
/// Reads a batch's input once, a line at a time (memory does not grow with the file, only with MaxLines' custom_ids):
/// the rules <see cref="ValidateBatchJob"/> applies, and the new batch page applies before a batch exists.
/// </summary>
public static class BatchInputScanner
{
    /// <summary>
    /// Checks every line of an input for <paramref name="endpoint"/> against the catalog's <paramref name="models"/>: the
    /// validation job's rules, which the new batch page also applies before a batch exists.
    /// </summary>
    public static async Task<BatchInputScan> ScanAsync(Stream stream, string endpoint, IReadOnlyDictionary<string, HostedModel> models, BatchOptions limits,
        CancellationToken ct)
    {
        var errors = new BatchErrorList();
        if (stream.CanSeek && stream.Length > limits.MaxFileBytes)
        {
            errors.Add(new("file_too_large",
                $"The file has {stream.Length:N0} bytes; a batch input may have at most {limits.MaxFileBytes:N0}. Split it into several batches."));
            return new(errors, 0, null, 0);
        }

        using var reader = new BatchLineReader(stream, limits.MaxLineBytes);
        var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        HostedModel? model = null;
        int modelLine = 0, requests = 0, overContext = 0;
        while (await reader.ReadAsync(ct))
        {
            if (reader.IsBlank) continue;
            var n = reader.LineNumber;
            if (++requests > limits.MaxLines)
            {
                errors.Add(new("too_many_lines",
                    $"The file has more than {limits.MaxLines:N0} requests (line {n} is request {requests:N0}). Split it into several batches.", null, n));
                break; // nothing past the limit needs reading
            }
            if (reader.TooLong)
            {
                errors.Add(new("line_too_long", $"Line {n} is longer than {limits.MaxLineBytes:N0} bytes.", null, n));
                continue;
            }
            using var line = BatchRequestLine.Parse(reader.Line, n, !reader.EndsWithNewline, out var error);
            if (line is null)
            {
                errors.Add(error!);
                continue;
            }
            if (!firstLineOf.TryAdd(line.CustomId, n))
            {
                errors.Add(new("duplicate_custom_id",
                    $"Line {n}: custom_id \"{line.CustomId}\" is already used on line {firstLineOf[line.CustomId]}; each line needs its own.", "custom_id", n));
                continue;
            }
            if (line.Url != endpoint)
            {
                errors.Add(new("invalid_url", $"Line {n}: url is \"{Shorten(line.Url)}\" but this batch's endpoint is \"{endpoint}\".", "url", n));
                continue;
            }
            if (ModelProblem(line.Model, endpoint, models, n) is { } modelError)
            {
                errors.Add(modelError);
                continue;
            }
            if (model is null) (model, modelLine) = (models[line.Model], n);
            else if (model.Id != line.Model)
            {
                errors.Add(new("mismatched_model",
                    $"Line {n} uses model \"{Shorten(line.Model)}\" but line {modelLine} uses \"{model.Id}\": a batch runs one model.", "body.model", n));
                continue;
            }
            if (BatchContextCheck.Problem(endpoint, line.Body, model.ContextLength) is not null) overContext++;
        }
        if (requests == 0)
            errors.Add(new("empty_file", "The file has no requests: each line must be a JSON object {custom_id, method, url, body}."));
        return new(errors, requests, model?.Id, overContext);
    }

    private static BatchError? ModelProblem(string modelId, string endpoint, IReadOnlyDictionary<string, HostedModel> models, int n)
    {
        if (!models.TryGetValue(modelId, out var m))
            return new("model_not_found", $"Line {n}: the model \"{Shorten(modelId)}\" does not exist.", "body.model", n);
        if (m.RetiredAt is not null)
            return new("model_not_found", $"Line {n}: the model \"{m.Id}\" has been retired.", "body.model", n);
        if (m.Kind != BatchUrls.KindFor(endpoint))
            return new("model_not_supported",
                $"Line {n}: \"{m.Id}\" is {(m.Kind == ModelKind.Chat ? "a chat" : "an embeddings")} model and cannot serve {endpoint}.", "body.model", n);
        return null;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
