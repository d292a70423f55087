using System.Net;

namespace GpuPool.Simulator.Tests;

public class FaultTests
{
    [Fact]
    public async Task Past_the_concurrency_bound_the_deployment_answers_429_with_retry_after()
    {
        await using var sim = await TestSimulator.StartAsync();
        // Slow requests hold their slot until the client gives up on them.
        await sim.ArmFaultAsync("Slow", count: TestSimulator.TinyChatConcurrency, model: TestSimulator.TinyChat, delayMs: 60_000);
        using var holders = new CancellationTokenSource();
        var held = Enumerable.Range(0, TestSimulator.TinyChatConcurrency)
            .Select(i => sim.ChatAsync(TestSimulator.TinyChat, $"hold {i}", cancellationToken: holders.Token)).ToArray();
        await WaitForInFlightAsync(sim, TestSimulator.TinyChatConcurrency);

        var refused = await sim.ChatAsync(TestSimulator.TinyChat, "one too many");
        var otherModel = await sim.ChatAsync("muse-spark", "not affected");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_exceeded", (string)(await TestSimulator.JsonAsync(refused))["error"]!["code"]!);
        Assert.Equal(HttpStatusCode.OK, otherModel.StatusCode);

        holders.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(held));
        await WaitForInFlightAsync(sim, 0);
        Assert.Equal(HttpStatusCode.OK, (await sim.ChatAsync(TestSimulator.TinyChat, "after")).StatusCode);
    }

    [Fact]
    public async Task An_injected_500_hits_the_next_request_only()
    {
        await using var sim = await TestSimulator.StartAsync();
        await sim.ArmFaultAsync("ServerError", model: "muse-spark");

        var failed = await sim.ChatAsync("muse-spark", "hi");
        var next = await sim.ChatAsync("muse-spark", "hi");

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("server_error", (string)(await TestSimulator.JsonAsync(failed))["error"]!["type"]!);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task An_injected_429_carries_retry_after()
    {
        await using var sim = await TestSimulator.StartAsync();
        await sim.ArmFaultAsync("RateLimit", count: 2);

        var first = await sim.ChatAsync("muse-spark", "hi");
        var second = await sim.PostAsync("v1/embeddings", new { model = "all-minilm-l6-v2", input = "hi" });

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(first.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_dropped_connection_surfaces_as_an_http_request_exception()
    {
        await using var sim = await TestSimulator.StartAsync();
        await sim.ArmFaultAsync("Drop");

        await Assert.ThrowsAsync<HttpRequestException>(() => sim.ChatAsync("muse-spark", "hi"));
        Assert.Equal(HttpStatusCode.OK, (await sim.ChatAsync("muse-spark", "hi")).StatusCode);
    }

    [Fact]
    public async Task Clearing_faults_disarms_them()
    {
        await using var sim = await TestSimulator.StartAsync();
        await sim.ArmFaultAsync("ServerError", count: 5);

        (await sim.Http.DeleteAsync("pool/faults")).EnsureSuccessStatusCode();

        Assert.Empty((await sim.GetJsonAsync("pool/faults")).AsArray());
        Assert.Equal(HttpStatusCode.OK, (await sim.ChatAsync("muse-spark", "hi")).StatusCode);
    }

    static async Task WaitForInFlightAsync(TestSimulator sim, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var models = (await sim.GetJsonAsync("pool/models")).AsArray();
            var inFlight = (int)models.Single(m => (string)m!["id"]! == TestSimulator.TinyChat)!["inFlight"]!;
            if (inFlight == expected) return;
            Assert.True(DateTime.UtcNow < deadline, $"in-flight stayed at {inFlight}, expected {expected}");
            await Task.Delay(20);
        }
    }
}
