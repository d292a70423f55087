using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>
/// A simulator whose tasks run in a fresh folder (open to others, so that as root the tasks run as "nobody"), with
/// fast polling and sampling. Disposing it stops the simulator, kills what still runs there and deletes the folder.
/// </summary>
public sealed class TaskTestPool : IAsyncDisposable
{
    TaskTestPool(TestSimulator sim, string root) => (Sim, Root) = (sim, root);

    public TestSimulator Sim { get; private set; }
    public string Root { get; }
    public HttpClient Http => Sim.Http;

    /// <summary>A folder every task may write to, outside the task folders (to count runs).</summary>
    public string Shared => Path.Combine(Root, "..", Path.GetFileName(Root) + "-shared");

    public static async Task<TaskTestPool> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "gpupool-task-tests-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        var pool = new TaskTestPool(await TestSimulator.StartAsync(o => Configure(o, root, configure)), root);
        Directory.CreateDirectory(pool.Shared);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(pool.Shared, (UnixFileMode)0b111_111_111);
        return pool;
    }

    /// <summary>Stops this simulator and starts a new one on the same task folder, as a restarted pool.</summary>
    public async Task RestartAsync(Action<SimulatorOptions>? configure = null)
    {
        await Sim.DisposeAsync();
        Sim = await TestSimulator.StartAsync(o => Configure(o, Root, configure));
    }

    static void Configure(SimulatorOptions options, string root, Action<SimulatorOptions>? configure)
    {
        options.TaskRoot = root;
        options.TaskPollInterval = TimeSpan.FromMilliseconds(50);
        options.MetricsInterval = TimeSpan.FromMilliseconds(200);
        options.TaskStopGrace = TimeSpan.FromSeconds(1);
        configure?.Invoke(options);
    }

    public async Task<JsonNode> ReserveAsync(string allocation, int gpus, string node = "node-a")
    {
        var response = await Http.PutAsJsonAsync($"pool/nodes/{node}/reservations/{allocation}", new { gpus });
        response.EnsureSuccessStatusCode();
        return await TestSimulator.JsonAsync(response);
    }

    public Task<HttpResponseMessage> SubmitAsync(string taskId, string script, int gpus = 1, string reservation = "alloc-1",
        int timeLimitSeconds = 0, string? profile = null, Dictionary<string, string>? environment = null, object[]? files = null,
        string node = "node-a") =>
        Http.PutAsJsonAsync($"pool/tasks/{taskId}", new
        {
            nodeId = node, reservationId = reservation, gpus, script, environment = environment ?? [], files = files ?? [], timeLimitSeconds, profile,
        });

    public async Task<JsonNode> StartAsync(string taskId, string script, int gpus = 1, string reservation = "alloc-1",
        int timeLimitSeconds = 0, string? profile = null, Dictionary<string, string>? environment = null)
    {
        var response = await SubmitAsync(taskId, script, gpus, reservation, timeLimitSeconds, profile, environment);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await TestSimulator.JsonAsync(response);
    }

    public Task<JsonNode> TaskAsync(string taskId) => Sim.GetJsonAsync($"pool/tasks/{taskId}");

    /// <summary>Polls until the task has ended (the bound only keeps a broken test from hanging).</summary>
    public async Task<JsonNode> WaitEndedAsync(string taskId) =>
        await WaitAsync(async () => await TaskAsync(taskId) is var t && (string)t["state"]! is not ("Starting" or "Running") ? t : null);

    /// <summary>Polls until the task's stdout holds at least <paramref name="lines"/> lines; returns them.</summary>
    public async Task<string[]> WaitStdoutLinesAsync(string taskId, int lines) =>
        await WaitAsync(async () => (await LogAsync(taskId, "stdout")).Split('\n', StringSplitOptions.RemoveEmptyEntries) is var l
            && l.Length >= lines ? l : null);

    public async Task<string> LogAsync(string taskId, string stream, long offset = 0) =>
        await Http.GetStringAsync($"pool/tasks/{taskId}/logs/{stream}?offset={offset}&max=8000000");

    /// <summary>In /proc and not a zombie (a dead orphan waits there until init reaps it).</summary>
    public static bool Runs(string pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] is not ('Z' or 'X'); }
        catch (IOException) { return false; }
    }

    public static async Task<T> WaitAsync<T>(Func<Task<T?>> probe) where T : class
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(50))
            if (await probe() is { } found) return found;
        throw new TimeoutException("The pool did not get there within 60 s.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var task in (await Sim.GetJsonAsync("pool/tasks")).AsArray())
            await Http.PostAsJsonAsync($"pool/tasks/{task!["taskId"]}/cancel", new { graceSeconds = 0 });
        await Sim.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
            Directory.Delete(Shared, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
