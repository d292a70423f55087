using Portal.Core.Batches;

namespace Portal.Web.Batches;

/// <summary>What checking a batch's input found before it is submitted: the problems by line, or its requests and model.</summary>
public sealed record BatchInputReport(IReadOnlyList<OpenAiBatchErrorJson> Problems, int Requests, string? Model)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>
/// Checks an input on the new batch page with the same rules the validation job applies, so the member sees every
/// problem by line before anything is created. PLACEHOLDER until the runner's validator is on main.
/// </summary>
public sealed class BatchInputCheck(BatchFileStore store)
{
    public async Task<BatchInputReport> CheckStoredAsync(string fileId, string endpoint, CancellationToken ct = default)
    {
        await using var content = store.OpenRead(fileId);
        return await CheckAsync(content, endpoint, ct);
    }

    public async Task<BatchInputReport> CheckAsync(Stream content, string endpoint, CancellationToken ct = default)
    {
        using var reader = new StreamReader(content);
        var requests = 0;
        string? model = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            requests++;
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(line);
                model ??= doc.RootElement.GetProperty("body").GetProperty("model").GetString();
            }
            catch (Exception)
            {
                return new([new("invalid_json_line", $"Line {requests} is not a request.", null, requests)], requests, null);
            }
        }
        return new([], requests, model);
    }
}
