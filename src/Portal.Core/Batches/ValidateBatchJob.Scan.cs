using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;

namespace Portal.Core.Batches;

public sealed partial class ValidateBatchJob
{
    /// <summary>What reading the whole file found: file-level problems, or the requests and their one model.</summary>
    private sealed record Scan(BatchErrorList Errors, int Requests, string? Model, int OverContext);

    /// <summary>Reads the input once, a line at a time (memory does not grow with the file, only with MaxLines' custom_ids).</summary>
    private async Task<Scan> ScanAsync(Batch batch, CancellationToken ct)
    {
        var limits = options.Value;
        var errors = new BatchErrorList();
        await using var db = await transitions.TenantDbAsync(batch.TenantId, ct);
        var input = await db.BatchFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == batch.InputFileId, ct);
        if (input is null || input.DeletedAt is not null || !files.Exists(input.Id))
        {
            errors.Add(new("file_not_found", $"The input file {batch.InputFileId} does not exist or was deleted.", "input_file_id"));
            return new(errors, 0, null, 0);
        }
        var models = await db.Models.AsNoTracking().ToDictionaryAsync(m => m.Id, ct);

        await using var stream = files.OpenRead(input.Id);
        if (stream.Length > limits.MaxFileBytes)
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
            if (line.Url != batch.Endpoint)
            {
                errors.Add(new("invalid_url", $"Line {n}: url is \"{Shorten(line.Url)}\" but this batch's endpoint is \"{batch.Endpoint}\".", "url", n));
                continue;
            }
            if (ModelProblem(line.Model, batch.Endpoint, models, n) is { } modelError)
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
            if (BatchContextCheck.Problem(batch.Endpoint, line.Body, model.ContextLength) is not null) overContext++;
        }
        if (requests == 0)
            errors.Add(new("empty_file", "The file has no requests: each line must be a JSON object {custom_id, method, url, body}."));
        return new(errors, requests, model?.Id, overContext);
    }

    private static BatchError? ModelProblem(string modelId, string endpoint, Dictionary<string, HostedModel> models, int n)
    {
        if (!models.TryGetValue(modelId, out var m))
            return new("model_not_found", $"Line {n}: the model \"{Shorten(modelId)}\" does not exist.", "body.model", n);
        if (m.RetiredAt is not null)
            return new("model_not_found", $"Line {n}: the model \"{m.Id}\" has been retired.", "body.model", n);
        if (m.Kind != BatchUrls.KindFor(endpoint))
            return new("model_not_supported", $"Line {n}: \"{m.Id}\" is {(m.Kind == ModelKind.Chat ? "a chat" : "an embeddings")} model and cannot serve {endpoint}.", "body.model", n);
        return null;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
