using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core.Catalog;

namespace Portal.Core.Pool;

/// <summary>
/// Talks to <c>GpuPool.Simulator</c>'s control API over HTTP, exactly as to a remote pool. Task calls go through
/// <see cref="SimulatorTaskClient"/>; submits use the factory's <see cref="SimulatorTaskClient.SubmitClientName"/> client
/// when there is one (large bodies, no resilience timeouts).
/// </summary>
public sealed class SimulatorPoolDriver(HttpClient http, PoolEndpoint endpoint, IHttpClientFactory? clients = null) : IGpuPoolDriver
{
    private readonly SimulatorTaskClient tasks = new(http, clients?.CreateClient(SimulatorTaskClient.SubmitClientName) ?? http, endpoint);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default)
    {
        var nodes = await http.GetFromJsonAsync<List<NodeJson>>(Url("pool/nodes"), Json, ct) ?? [];
        return [.. nodes.Select(n => new PoolNode(n.Id, n.Region, n.Sku, n.GpuCount, n.State, n.ReservedGpus))];
    }

    public async Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default)
    {
        using var response = await http.PutAsJsonAsync(Url($"pool/nodes/{Uri.EscapeDataString(nodeId)}/reservations/{allocationId}"), new { gpus }, Json, ct);
        if (response.IsSuccessStatusCode) return new(ReservationOutcome.Reserved);
        var error = await ReadErrorAsync(response, ct);
        return new(error?.Code switch
        {
            "insufficient_gpus" => ReservationOutcome.InsufficientGpus,
            "node_not_ready" => ReservationOutcome.NodeNotReady,
            "allocation_conflict" => ReservationOutcome.Conflict,
            _ => ReservationOutcome.Failed,
        }, error?.Message ?? $"The pool answered {(int)response.StatusCode}.");
    }

    public async Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default)
    {
        using var response = await http.DeleteAsync(Url($"pool/nodes/{Uri.EscapeDataString(nodeId)}/reservations/{allocationId}"), ct);
        if (response.StatusCode != HttpStatusCode.NotFound) response.EnsureSuccessStatusCode();
    }

    public async Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync(Url($"pool/nodes/{Uri.EscapeDataString(nodeId)}/state"), new { state }, Json, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    // Script-job tasks: the simulator's /pool/tasks API.
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => tasks.SubmitAsync(spec, ct);
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => tasks.GetAsync(taskId, ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => tasks.ListAsync(ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListOpenTasksAsync(CancellationToken ct = default) => tasks.ListAsync(ct, openOnly: true);
    public Task<IReadOnlyList<PoolTaskStatus>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken ct = default) =>
        tasks.GetManyAsync(taskIds, ct);
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => tasks.CancelAsync(taskId, grace, ct);
    public Task<bool> ForgetTaskAsync(string taskId, CancellationToken ct = default) => tasks.ForgetAsync(taskId, ct);
    public Task<long> WaitForTaskChangeAsync(long after, TimeSpan wait, CancellationToken ct = default) => tasks.WaitForChangeAsync(after, wait, ct);
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        tasks.ReadLogAsync(taskId, stream, offset, maxBytes, ct);
    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        tasks.ReadMetricsAsync(taskId, after, ct);

    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) =>
        deploymentBaseUrl.StartsWith("simulator:", StringComparison.OrdinalIgnoreCase) ? Url("v1/") : new Uri(deploymentBaseUrl);

    private Uri Url(string path) => new(endpoint.BaseUrl, path);

    private static async Task<ErrorJson?> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try { return (await response.Content.ReadFromJsonAsync<ErrorEnvelope>(Json, ct))?.Error; }
        catch (JsonException) { return null; }
    }

    private sealed record NodeJson(string Id, string Region, string Sku, int GpuCount, NodeState State, int ReservedGpus);
    private sealed record ErrorEnvelope(ErrorJson? Error);
    private sealed record ErrorJson(string? Message, string? Type, string? Code);
}
