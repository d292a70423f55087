using System.Net;
using System.Net.Http.Json;

namespace GpuPool.Simulator.Tests;

public class ReservationTests
{
    static Task<HttpResponseMessage> ReserveAsync(TestSimulator sim, string node, string allocation, int gpus) =>
        sim.Http.PutAsJsonAsync($"pool/nodes/{node}/reservations/{allocation}", new { gpus });

    [Fact]
    public async Task Reserving_twice_with_the_same_allocation_id_gives_the_same_answer_and_counts_once()
    {
        await using var sim = await TestSimulator.StartAsync();

        var first = await ReserveAsync(sim, "node-a", "alloc-1", 4);
        var second = await ReserveAsync(sim, "node-a", "alloc-1", 4);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        var node = await sim.GetJsonAsync("pool/nodes/node-a");
        Assert.Equal(4, (int)node["reservedGpus"]!);
        Assert.Equal(4, (int)node["freeGpus"]!);
        Assert.Single(node["reservations"]!.AsArray());
    }

    [Fact]
    public async Task Reserving_more_than_the_free_gpus_is_refused_with_409()
    {
        await using var sim = await TestSimulator.StartAsync();
        (await ReserveAsync(sim, "node-a", "alloc-1", 6)).EnsureSuccessStatusCode();

        var response = await ReserveAsync(sim, "node-a", "alloc-2", 4);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("insufficient_gpus", (string)(await TestSimulator.JsonAsync(response))["error"]!["code"]!);
        Assert.Equal(6, (int)(await sim.GetJsonAsync("pool/nodes/node-a"))["reservedGpus"]!);
    }

    [Fact]
    public async Task Same_allocation_id_with_other_gpus_is_a_conflict()
    {
        await using var sim = await TestSimulator.StartAsync();
        (await ReserveAsync(sim, "node-a", "alloc-1", 2)).EnsureSuccessStatusCode();

        var response = await ReserveAsync(sim, "node-a", "alloc-1", 3);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("allocation_conflict", (string)(await TestSimulator.JsonAsync(response))["error"]!["code"]!);
    }

    [Fact]
    public async Task A_node_in_maintenance_or_failed_refuses_reservations()
    {
        await using var sim = await TestSimulator.StartAsync();

        var onMaintenance = await ReserveAsync(sim, "node-m", "alloc-1", 1);
        (await sim.PostAsync("pool/nodes/node-a/state", new { state = "Failed" })).EnsureSuccessStatusCode();
        var onFailed = await ReserveAsync(sim, "node-a", "alloc-2", 1);

        Assert.Equal(HttpStatusCode.Conflict, onMaintenance.StatusCode);
        Assert.Equal("node_not_ready", (string)(await TestSimulator.JsonAsync(onMaintenance))["error"]!["code"]!);
        Assert.Equal(HttpStatusCode.Conflict, onFailed.StatusCode);
        Assert.Equal("Failed", (string)(await sim.GetJsonAsync("pool/nodes/node-a"))["state"]!);
    }

    [Fact]
    public async Task Releasing_frees_the_gpus_and_is_idempotent()
    {
        await using var sim = await TestSimulator.StartAsync();
        (await ReserveAsync(sim, "node-a", "alloc-1", 8)).EnsureSuccessStatusCode();

        var first = await sim.Http.DeleteAsync("pool/nodes/node-a/reservations/alloc-1");
        var second = await sim.Http.DeleteAsync("pool/nodes/node-a/reservations/alloc-1");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal(8, (int)(await sim.GetJsonAsync("pool/nodes/node-a"))["freeGpus"]!);
        Assert.Equal(HttpStatusCode.OK, (await ReserveAsync(sim, "node-a", "alloc-2", 8)).StatusCode);
    }

    [Fact]
    public async Task An_armed_reservation_failure_fails_the_next_reservation_only()
    {
        await using var sim = await TestSimulator.StartAsync();
        await sim.ArmFaultAsync("FailReservations");

        var failed = await ReserveAsync(sim, "node-a", "alloc-1", 2);
        var retried = await ReserveAsync(sim, "node-a", "alloc-1", 2);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("reservation_failed", (string)(await TestSimulator.JsonAsync(failed))["error"]!["code"]!);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(2, (int)(await sim.GetJsonAsync("pool/nodes/node-a"))["reservedGpus"]!);
    }

    [Fact]
    public async Task Unknown_node_is_404()
    {
        await using var sim = await TestSimulator.StartAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await ReserveAsync(sim, "nope", "alloc-1", 1)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sim.Http.GetAsync("pool/nodes/nope")).StatusCode);
    }
}

public class ProvisioningTests
{
    [Fact]
    public async Task Gpus_are_taken_at_once_while_the_reservation_is_still_provisioning()
    {
        // A delay far longer than the test: the PUT stays pending until the test gives up on it.
        await using var sim = await TestSimulator.StartAsync(o => o.ReservationDelay = TimeSpan.FromMinutes(5));
        using var giveUp = new CancellationTokenSource();

        var pending = sim.Http.PutAsJsonAsync("pool/nodes/node-a/reservations/alloc-1", new { gpus = 6 }, giveUp.Token);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((int)(await sim.GetJsonAsync("pool/nodes/node-a"))["reservedGpus"]! != 6)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reservation never showed up on the node");
            await Task.Delay(20);
        }
        var competing = await sim.Http.PutAsJsonAsync("pool/nodes/node-a/reservations/alloc-2", new { gpus = 4 });

        Assert.False(pending.IsCompleted);
        Assert.Equal(HttpStatusCode.Conflict, competing.StatusCode);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }
}
