using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Core.Batches;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>The runner against a scripted model server: what is retried, how long it waits, and when it gives up.</summary>
public class BatchRetryTests(BatchFactory factory) : IClassFixture<BatchFactory>, IDisposable
{
    private readonly ConcurrentQueue<TimeSpan> attempts = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    [Fact]
    public async Task A_429_is_retried_after_the_Retry_After_the_server_asked_for()
    {
        Script(n => n == 1 ? RateLimited(r => r.Headers.RetryAfter = new(TimeSpan.FromSeconds(1))) : Ok());

        var line = await RunOneAsync();

        Assert.Equal(200, line.GetProperty("response").GetProperty("status_code").GetInt32());
        var times = attempts.ToArray();
        Assert.Equal(2, times.Length);
        // The backoff alone would be 5 ms; timers may fire a tick early, hence the 950.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_Retry_After_date_is_honoured_too()
    {
        Script(n => n == 1 ? RateLimited(r => r.Headers.RetryAfter = new(DateTimeOffset.UtcNow.AddSeconds(2))) : Ok());

        var line = await RunOneAsync();

        Assert.Equal(200, line.GetProperty("response").GetProperty("status_code").GetInt32());
        var times = attempts.ToArray();
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(900), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Server_errors_until_the_last_attempt_fail_the_line_with_the_last_answer_and_the_reason()
    {
        Script(_ => Json(HttpStatusCode.InternalServerError, """{"error":{"message":"boom","type":"server_error","param":null,"code":"server_error"}}"""));

        var line = await RunOneAsync(expectFailed: true);

        Assert.Equal(3, attempts.Count); // Batches:MaxAttemptsPerLine in the tests
        Assert.Equal(500, line.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Equal("boom", line.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("retries_exhausted", line.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("3 attempts", line.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_lost_connection_is_retried_and_reported_when_it_never_answers()
    {
        Script(_ => throw new HttpRequestException("Connection refused"));

        var line = await RunOneAsync(expectFailed: true);

        Assert.Equal(3, attempts.Count);
        Assert.Equal(JsonValueKind.Null, line.GetProperty("response").ValueKind);
        Assert.Equal("retries_exhausted", line.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("Connection refused", line.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_goes_to_the_error_file_with_its_status()
    {
        Script(_ => Json(HttpStatusCode.BadRequest,
            """{"error":{"message":"'messages' is required","type":"invalid_request_error","param":"messages","code":null}}"""));

        var line = await RunOneAsync(expectFailed: true);

        Assert.Single(attempts);
        Assert.Equal(400, line.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Equal("messages", line.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task A_success_that_is_not_json_is_retried()
    {
        Script(n => n == 1 ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>proxy</html>") } : Ok());

        var line = await RunOneAsync();

        Assert.Equal(2, attempts.Count);
        Assert.Equal(200, line.GetProperty("response").GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Requests_in_flight_to_one_model_server_stay_within_its_bound_even_across_two_batches()
    {
        int inFlight = 0, most = 0;
        factory.Intercept = async (_, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            for (var seen = most; now > seen; seen = most) Interlocked.CompareExchange(ref most, now, seen);
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref inFlight);
            return Ok();
        };
        var tenant = await factory.NewTenantAsync();
        var first = await factory.CreateBatchAsync(tenant, BatchUrls.ChatCompletions, Enumerable.Range(1, 60).Select(i => ChatLine($"a{i}")));
        var second = await factory.CreateBatchAsync(tenant, BatchUrls.ChatCompletions, Enumerable.Range(1, 60).Select(i => ChatLine($"b{i}")));
        await factory.ValidateAsync(first);
        await factory.ValidateAsync(second);

        await Task.WhenAll(factory.RunBatchAsync(first), factory.RunBatchAsync(second));

        Assert.Equal(60, (await factory.LoadAsync(first)).RequestCompleted);
        Assert.Equal(60, (await factory.LoadAsync(second)).RequestCompleted);
        Assert.Equal(8, most); // Batches:ConcurrencyPerDeployment: used to the full, never more, whatever the number of batches
    }

    /// <summary>A one-line batch run to the end; its one result line, from the output file or (if failed) the error file.</summary>
    private async Task<JsonElement> RunOneAsync(bool expectFailed = false)
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions, [ChatLine("only")]);
        await factory.ValidateAsync(id);
        await factory.RunBatchAsync(id);
        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Completed, batch.Status);
        Assert.Equal(expectFailed ? (0, 1) : (1, 0), (batch.RequestCompleted, batch.RequestFailed));
        Assert.Equal(expectFailed ? 0 : 7, batch.InputTokens + batch.OutputTokens);
        var line = Assert.Single(await factory.ReadResultsAsync(expectFailed ? batch.ErrorFileId : batch.OutputFileId));
        Assert.Equal("only", line.GetProperty("custom_id").GetString());
        Assert.Null(expectFailed ? batch.OutputFileId : batch.ErrorFileId);
        return line;
    }

    private void Script(Func<int, HttpResponseMessage> answer) => factory.Intercept = (_, _) =>
    {
        attempts.Enqueue(clock.Elapsed);
        return Task.FromResult(answer(attempts.Count));
    };

    internal static HttpResponseMessage Ok(int prompt = 4, int completion = 3) => Json(HttpStatusCode.OK,
        $$$"""{"id":"chatcmpl-1","object":"chat.completion","model":"llama-3.3-70b-instruct","choices":[""" +
        $$$"""{"index":0,"message":{"role":"assistant","content":"Hi."},"finish_reason":"stop"}],"usage":""" +
        $$$"""{"prompt_tokens":{{{prompt}}},"completion_tokens":{{{completion}}},"total_tokens":{{{prompt + completion}}}}}""");

    private static HttpResponseMessage RateLimited(Action<HttpResponseMessage> headers)
    {
        var response = Json(HttpStatusCode.TooManyRequests,
            """{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}""");
        headers(response);
        return response;
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    public void Dispose() => factory.Intercept = null;
}
