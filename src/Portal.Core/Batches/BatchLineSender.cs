using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Portal.Core.Batches;

/// <summary>
/// Sends one line's request to a model server and turns the answer into its result line. 429, 5xx, a lost
/// connection, a timeout and a 2xx that is not JSON are retried with exponential backoff (jittered), waiting at
/// least what <c>Retry-After</c> asks (seconds or a date); after <c>MaxAttemptsPerLine</c> tries the line fails with
/// the last answer and the reason. Other statuses are final: the response goes to the error file, as OpenAI does.
/// Returns null when the run stopped before the line had an answer (cancel, expiry, shutdown): the line stays
/// unfinished, and it is re-sent on resume or written as <c>batch_cancelled</c> / <c>batch_expired</c>.
/// </summary>
public sealed class BatchLineSender(HttpClient http, BatchOptions options, TimeProvider time, string endpoint)
{
    public async Task<BatchResultLine?> SendAsync(BatchModelServers.Server server, int index, string customId, byte[] body,
        CancellationToken stopWaiting, CancellationToken abortRequest)
    {
        var max = Math.Max(1, options.MaxAttemptsPerLine);
        for (var attempt = 1; ; attempt++)
        {
            var (result, retryReason, retryAfter) = await TryOnceAsync(server, index, customId, body, attempt == max, abortRequest);
            if (result is not null) return result;
            if (abortRequest.IsCancellationRequested) return null;
            if (attempt == max)
                return BatchResultLine.Failure(index, customId, "retries_exhausted", $"Gave up after {max} attempts: {retryReason}");
            try { await Task.Delay(Backoff(attempt, retryAfter), time, stopWaiting); }
            catch (OperationCanceledException) { return null; }
        }
    }

    /// <summary>A final result, or why to retry (and how long the server asked us to wait).</summary>
    private async Task<(BatchResultLine? Result, string Reason, TimeSpan? RetryAfter)> TryOnceAsync(
        BatchModelServers.Server server, int index, string customId, byte[] body, bool last, CancellationToken abort)
    {
        HttpResponseMessage? response = null;
        byte[] bytes;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.UrlOf(endpoint)) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, abort);
            bytes = await response.Content.ReadAsByteArrayAsync(abort);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
            response?.Dispose();
            if (abort.IsCancellationRequested) return (null, "", null);
            var reason = e is OperationCanceledException
                ? $"no answer within {options.RequestTimeoutSeconds} s from {server.BaseUrl.Authority}"
                : $"could not reach {server.BaseUrl.Authority} ({e.Message})";
            return (null, reason, null);
        }
        using var answered = response;

        var status = (int)response.StatusCode;
        var requestId = response.Headers.TryGetValues("x-request-id", out var ids) && ids.FirstOrDefault() is { Length: > 0 } id
            ? id : BatchResultLine.NewLineId("req_");
        var retryable = status == 429 || status >= 500;
        JsonDocument? json = null;
        try { json = JsonDocument.Parse(bytes); }
        catch (JsonException) { }
        using (json)
        {
            if (json is null)
            {
                if (status is >= 200 and < 300) return (null, $"the server answered {status} with a body that is not JSON", null);
                if (!retryable || last) return (ErrorWithText(index, customId, status, requestId, bytes, last), "", null);
                return (null, $"the server answered {status}", RetryAfter(response));
            }
            if (retryable && !last) return (null, $"the server answered {status}{ErrorMessage(json)}", RetryAfter(response));
            if (status is >= 200 and < 300)
            {
                var (input, output) = Usage(json.RootElement);
                return (BatchResultLine.Response(index, customId, status, requestId, json, bytes, null, input, output), "", null);
            }
            (string, string)? gaveUp = retryable
                ? ("retries_exhausted", $"Gave up after {options.MaxAttemptsPerLine} attempts: the server answered {status}{ErrorMessage(json)}")
                : null;
            return (BatchResultLine.Response(index, customId, status, requestId, json, bytes, gaveUp), "", null);
        }
    }

    private static BatchResultLine ErrorWithText(int index, string customId, int status, string requestId, byte[] bytes, bool gaveUp)
    {
        // Not JSON (a proxy's HTML page, plain text): wrapped as OpenAI's error shape, so the body is always JSON.
        var text = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 2000));
        var wrapped = JsonSerializer.SerializeToUtf8Bytes(
            new { error = new { message = text, type = "server_error", param = (string?)null, code = (string?)null } });
        using var json = JsonDocument.Parse(wrapped);
        return BatchResultLine.Response(index, customId, status, requestId, json, wrapped,
            gaveUp && status is 429 or >= 500 ? ("retries_exhausted", $"Gave up after the last attempt: the server answered {status}") : null);
    }

    private static string ErrorMessage(JsonDocument json) =>
        json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var e)
        && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
            ? $" ({m.GetString()})" : "";

    /// <summary>OpenAI's <c>usage</c>: prompt tokens in, completion tokens out (embeddings have none out).</summary>
    private static (long Input, long Output) Usage(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
            return (0, 0);
        static long Read(JsonElement u, string name) =>
            u.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n > 0 ? n : 0;
        return (Read(usage, "prompt_tokens"), Read(usage, "completion_tokens"));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        if (wait is not { } w) return null;
        var cap = TimeSpan.FromSeconds(options.MaxRetryAfterSeconds);
        return w < TimeSpan.Zero ? TimeSpan.Zero : w > cap ? cap : w;
    }

    /// <summary>base × 2^(attempt-1), jittered down by up to half, capped; never less than Retry-After.</summary>
    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var ceiling = Math.Min(options.RetryBaseDelayMs * Math.Pow(2, attempt - 1), options.MaxRetryDelaySeconds * 1000.0);
        var jittered = TimeSpan.FromMilliseconds(ceiling * (0.5 + Random.Shared.NextDouble() / 2));
        return retryAfter is { } ra && ra > jittered ? ra : jittered;
    }
}
