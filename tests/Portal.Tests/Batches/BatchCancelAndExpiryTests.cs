using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>Cancel and expiry keep the finished lines and write every other one to the error file, once.</summary>
public class BatchCancelAndExpiryTests(BatchFactory factory) : IClassFixture<BatchFactory>, IDisposable
{
    [Fact]
    public async Task Cancel_mid_run_keeps_finished_lines_lets_some_in_flight_finish_and_writes_the_rest_as_batch_cancelled()
    {
        var id = await NewBatchAsync(100);
        await factory.ValidateAsync(id);
        var answered = new ConcurrentBag<string>();
        var inFlight = new ConcurrentBag<string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        factory.Intercept = async (request, ct) =>
        {
            var n = Interlocked.Increment(ref started);
            var customId = await CustomIdOfAsync(request);
            if (n > 20)
            {
                inFlight.Add(customId);
                // In flight when the cancel comes: even lines finish within the grace period, odd ones never answer.
                await release.Task.WaitAsync(ct);
                if (int.Parse(customId[1..]) % 2 == 1) await Task.Delay(Timeout.Infinite, ct);
            }
            answered.Add(customId);
            return BatchRetryTests.Ok();
        };
        var hooks = factory.Services.GetRequiredService<BatchRunHooks>();
        var committed = 0;
        hooks.OnStep = step => { if (step == "committed") Interlocked.Increment(ref committed); };

        var run = factory.RunBatchAsync(id);
        await WaitUntilAsync(() => answered.Count >= 20 && Volatile.Read(ref started) >= 28, () => $"{answered.Count} answered, {started} started");
        await factory.ChangeAsync(id, b => (b.Status, b.CancellingAt) = (BatchStatus.Cancelling, DateTime.UtcNow));
        var seen = Volatile.Read(ref committed);
        await WaitUntilAsync(() => Volatile.Read(ref committed) >= seen + 2); // a checkpoint since has read the cancel
        release.SetResult();
        await run;

        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Cancelled, batch.Status);
        Assert.NotNull(batch.CancelledAt);
        Assert.Equal(28, Volatile.Read(ref started)); // 20 answered, 8 in flight (the bound), nothing dispatched after the cancel
        var output = await factory.ReadResultsAsync(batch.OutputFileId);
        var errors = await factory.ReadResultsAsync(batch.ErrorFileId);
        Assert.Equal(answered.Order(), output.Select(BatchRunnerTests.CustomId).Order());
        Assert.Equal(20 + inFlight.Count(i => int.Parse(i[1..]) % 2 == 0), output.Count); // those before + the even ones in flight
        Assert.All(errors, e =>
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("response").ValueKind);
            Assert.Equal("batch_cancelled", e.GetProperty("error").GetProperty("code").GetString());
        });
        AssertEachOnce(100, output, errors);
        Assert.Equal((output.Count, 100 - output.Count), (batch.RequestCompleted, batch.RequestFailed));
        Assert.Equal(output.Count * 7, batch.InputTokens + batch.OutputTokens);
    }

    [Fact]
    public async Task A_batch_cancelled_while_validating_is_cancelled_with_no_files()
    {
        var id = await NewBatchAsync(10);
        await factory.ChangeAsync(id, b => (b.Status, b.CancellingAt) = (BatchStatus.Cancelling, DateTime.UtcNow));

        await factory.ValidateAsync(id);
        await factory.RunBatchAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Cancelled, batch.Status);
        Assert.Equal((0, 0, 0, null, null), (batch.RequestTotal, batch.RequestCompleted, batch.RequestFailed, batch.OutputFileId, batch.ErrorFileId));
    }

    [Fact]
    public async Task A_batch_past_its_window_expires_keeping_what_finished_and_the_rest_as_batch_expired()
    {
        var id = await NewBatchAsync(50);
        await factory.ValidateAsync(id);
        var answered = 0;
        factory.Intercept = async (_, ct) =>
        {
            if (Interlocked.Increment(ref answered) > 30) await Task.Delay(Timeout.Infinite, ct); // never answers: abandoned at expiry
            return BatchRetryTests.Ok();
        };
        var hooks = factory.Services.GetRequiredService<BatchRunHooks>();
        var progress = 0;
        hooks.OnStep = step => { if (step == "appended") Interlocked.Increment(ref progress); };

        var run = factory.RunBatchAsync(id);
        await WaitUntilAsync(() => Volatile.Read(ref progress) >= 30);
        await factory.ChangeAsync(id, b => b.ExpiresAt = DateTime.UtcNow.AddSeconds(-1)); // the window ends
        await run;

        var batch = await factory.LoadAsync(id);
        Assert.Equal(BatchStatus.Expired, batch.Status);
        Assert.NotNull(batch.ExpiredAt);
        Assert.NotNull(batch.FinalizingAt);
        var output = await factory.ReadResultsAsync(batch.OutputFileId);
        var errors = await factory.ReadResultsAsync(batch.ErrorFileId);
        Assert.Equal(30, output.Count);
        Assert.All(errors, e => Assert.Equal("batch_expired", e.GetProperty("error").GetProperty("code").GetString()));
        AssertEachOnce(50, output, errors);
        Assert.Equal((30, 20), (batch.RequestCompleted, batch.RequestFailed));
    }

    [Fact]
    public async Task A_batch_that_expired_before_it_ran_sends_nothing()
    {
        var id = await NewBatchAsync(5);
        await factory.ValidateAsync(id);
        await factory.ChangeAsync(id, b => b.ExpiresAt = DateTime.UtcNow.AddMinutes(-1));
        var sent = factory.ModelRequests;

        await factory.RunBatchAsync(id);

        var batch = await factory.LoadAsync(id);
        Assert.Equal((BatchStatus.Expired, 0, 5), (batch.Status, batch.RequestCompleted, batch.RequestFailed));
        Assert.Equal(sent, factory.ModelRequests);
        Assert.Null(batch.OutputFileId);
        Assert.Equal(5, (await factory.ReadResultsAsync(batch.ErrorFileId)).Count);
    }

    internal static void AssertEachOnce(int total, List<JsonElement> output, List<JsonElement> errors)
    {
        var ids = output.Concat(errors).Select(BatchRunnerTests.CustomId).ToList();
        Assert.Equal(total, ids.Count);
        Assert.Equal(Enumerable.Range(1, total).Select(i => $"q{i}").Order(), ids.Order());
    }

    private async Task<string> NewBatchAsync(int lines) =>
        await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions,
            Enumerable.Range(1, lines).Select(i => ChatLine($"q{i}", $"q{i}")));

    /// <summary>The line's custom_id, which these batches also send as the message (the request body has no custom_id).</summary>
    private static async Task<string> CustomIdOfAsync(HttpRequestMessage request)
    {
        using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync());
        return body.RootElement.GetProperty("messages")[0].GetProperty("content").GetString()!;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, Func<string>? state = null)
    {
        for (var i = 0; !condition(); i++)
        {
            if (i > 3000) throw new TimeoutException($"The runner did not get there in 30 s. {state?.Invoke()}");
            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        factory.Intercept = null;
        factory.Services.GetRequiredService<BatchRunHooks>().OnStep = null;
    }
}
