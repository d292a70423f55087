using System.Net;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>A task runs only on its reservation's GPUs, never on more than the reservation holds.</summary>
public class TaskAdmissionTests
{
    static async Task<string> ErrorCodeAsync(HttpResponseMessage response) =>
        (string)(await TestSimulator.JsonAsync(response))["error"]!["code"]!;

    [Fact]
    public async Task Reservations_get_the_lowest_free_gpu_indexes_of_their_node()
    {
        await using var pool = await TaskTestPool.StartAsync();

        var first = await pool.ReserveAsync("alloc-1", 3);
        var second = await pool.ReserveAsync("alloc-2", 2);
        await pool.Http.DeleteAsync("pool/nodes/node-a/reservations/alloc-1");
        var third = await pool.ReserveAsync("alloc-3", 4);

        Assert.Equal([0, 1, 2], first["gpuIndexes"]!.AsArray().Select(i => (int)i!));
        Assert.Equal([3, 4], second["gpuIndexes"]!.AsArray().Select(i => (int)i!));
        Assert.Equal([0, 1, 2, 5], third["gpuIndexes"]!.AsArray().Select(i => (int)i!));
    }

    [Fact]
    public async Task Tasks_see_their_gpus_in_cuda_visible_devices_and_two_tasks_never_share_one()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-0", 2);
        var reservation = await pool.ReserveAsync("alloc-1", 4);
        const string script = "echo $CUDA_VISIBLE_DEVICES\nsleep 60\n";

        var a = await pool.StartAsync("gpu-a", script, gpus: 2);
        var b = await pool.StartAsync("gpu-b", script, gpus: 2);
        var seenA = (await pool.WaitStdoutLinesAsync("gpu-a", 1))[0];
        var seenB = (await pool.WaitStdoutLinesAsync("gpu-b", 1))[0];

        Assert.Equal(string.Join(',', a["gpuIndexes"]!.AsArray().Select(i => (int)i!)), seenA);
        Assert.Equal(string.Join(',', b["gpuIndexes"]!.AsArray().Select(i => (int)i!)), seenB);
        var held = reservation["gpuIndexes"]!.AsArray().Select(i => (int)i!).ToHashSet();
        var used = seenA.Split(',').Concat(seenB.Split(',')).Select(int.Parse).ToList();
        Assert.Equal(4, used.Distinct().Count());
        Assert.All(used, gpu => Assert.Contains(gpu, held));
    }

    [Fact]
    public async Task More_gpus_than_the_reservation_has_free_is_refused_and_nothing_starts()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);
        await pool.StartAsync("holds-one", "sleep 60\n");

        var tooMany = await pool.SubmitAsync("too-many", $"touch {pool.Shared}/ran\n", gpus: 2);
        var wholeReservation = await pool.SubmitAsync("too-many-2", $"touch {pool.Shared}/ran\n", gpus: 3);

        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        Assert.Equal("insufficient_gpus", await ErrorCodeAsync(tooMany));
        Assert.Equal("insufficient_gpus", await ErrorCodeAsync(wholeReservation));
        Assert.Equal(HttpStatusCode.NotFound, (await pool.Http.GetAsync("pool/tasks/too-many")).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(pool.Root, "too-many")));
        Assert.False(File.Exists(Path.Combine(pool.Shared, "ran")));
    }

    [Fact]
    public async Task An_unknown_reservation_or_a_node_not_ready_is_refused()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);

        var unknown = await pool.SubmitAsync("t-1", "true\n", reservation: "alloc-9");
        var otherNode = await pool.SubmitAsync("t-2", "true\n", node: "node-m");
        (await pool.Sim.PostAsync("pool/nodes/node-a/state", new { state = "Maintenance" })).EnsureSuccessStatusCode();
        var notReady = await pool.SubmitAsync("t-3", "true\n");

        Assert.Equal("no_reservation", await ErrorCodeAsync(unknown));
        Assert.Equal("no_reservation", await ErrorCodeAsync(otherNode));
        Assert.Equal("node_not_ready", await ErrorCodeAsync(notReady));
        Assert.Empty((await pool.Sim.GetJsonAsync("pool/tasks")).AsArray());
    }

    [Theory]
    [InlineData("bad id!", 1, "x.txt")]
    [InlineData("t-1", 0, "x.txt")]
    [InlineData("t-1", 1, "../x.txt")]
    [InlineData("t-1", 1, "sub/x.txt")]
    [InlineData("t-1", 1, "job.sh")]
    public async Task Bad_input_is_a_400_and_starts_nothing(string taskId, int gpus, string fileName)
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);
        var files = new object[] { new { name = fileName, contentBase64 = "eA==" } };

        var response = await pool.SubmitAsync(Uri.EscapeDataString(taskId), "true\n", gpus: gpus, files: files);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", await ErrorCodeAsync(response));
        Assert.Empty((await pool.Sim.GetJsonAsync("pool/tasks")).AsArray());
    }
}
