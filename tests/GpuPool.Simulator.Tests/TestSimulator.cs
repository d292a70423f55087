using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GpuPool.Simulator.Tests;

/// <summary>A simulator on a real loopback port, fresh per test so armed faults never leak between tests.</summary>
public sealed class TestSimulator : IAsyncDisposable
{
    public const string TinyChat = "tiny-chat";
    public const int TinyChatConcurrency = 2;

    readonly RunningSimulator _simulator;
    string? _ownTaskRoot;

    TestSimulator(RunningSimulator simulator)
    {
        _simulator = simulator;
        Http = new HttpClient { BaseAddress = simulator.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    public static async Task<TestSimulator> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            ReservationDelay = TimeSpan.Zero,
            LatencyMultiplier = 0,
            Nodes =
            [
                new() { Id = "node-a", Region = "us-south-1", Sku = "h100-sxm-80gb", GpuCount = 8 },
                new() { Id = "node-m", Region = "us-south-1", Sku = "h100-sxm-80gb", GpuCount = 8, State = NodeState.Maintenance },
            ],
        }.WithDefaultsWhereEmpty();
        options.Models.Add(new()
        {
            Id = TinyChat, Kind = ModelKind.Chat, Sku = "l40s-48gb", TokensPerSecond = 50, MaxConcurrency = TinyChatConcurrency, ContextLength = 4096
        });
        configure?.Invoke(options);
        var ownsTaskRoot = options.TaskRoot == "";
        var simulator = new TestSimulator(await SimulatorHost.StartAsync(options));
        // A simulator given no task root gets a fresh temporary one: delete it with the simulator.
        if (ownsTaskRoot) simulator._ownTaskRoot = options.TaskRoot;
        return simulator;
    }

    public Task<HttpResponseMessage> PostAsync(string path, object body, CancellationToken cancellationToken = default) =>
        Http.PostAsJsonAsync(path, body, cancellationToken);

    public Task<HttpResponseMessage> ChatAsync(string model, string prompt, int? maxTokens = null, CancellationToken cancellationToken = default) =>
        PostAsync("v1/chat/completions", new { model, messages = new[] { new { role = "user", content = prompt } }, max_tokens = maxTokens },
            cancellationToken);

    public async Task ArmFaultAsync(string kind, int count = 1, string? model = null, int? delayMs = null)
    {
        var response = await PostAsync("pool/faults", new { kind, count, model, delayMs });
        response.EnsureSuccessStatusCode();
    }

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        var response = await Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await JsonAsync(response);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _simulator.DisposeAsync();
        if (_ownTaskRoot is not null) Directory.Delete(_ownTaskRoot, recursive: true);
    }
}
