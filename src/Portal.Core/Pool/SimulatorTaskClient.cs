using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Core.Pool;

/// <summary>
/// The simulator's task API (/pool/tasks) for <see cref="SimulatorPoolDriver"/>. Submits go through their own client
/// (<paramref name="submitHttp"/>, no resilience handler's 10 s attempt limit): a task may carry 50 MB of input files,
/// and a submit is safe to repeat anyway (idempotent by task id).
/// </summary>
public sealed class SimulatorTaskClient(HttpClient http, HttpClient submitHttp, PoolEndpoint endpoint)
{
    /// <summary>The named HttpClient used for submits.</summary>
    public const string SubmitClientName = "GpuPoolTaskSubmit";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<PoolSubmitResult> SubmitAsync(PoolTaskSpec spec, CancellationToken ct)
    {
        var body = new
        {
            spec.NodeId, ReservationId = spec.ReservationId.ToString(), spec.Gpus, spec.Script, spec.Environment,
            Files = spec.Files.Select(f => new { f.Name, ContentBase64 = f.Content }), spec.TimeLimitSeconds, spec.Profile,
        };
        using var response = await submitHttp.PutAsJsonAsync(TaskUrl(spec.TaskId), body, Json, ct);
        if (response.IsSuccessStatusCode)
            return new(PoolSubmitOutcome.Submitted, (await response.Content.ReadFromJsonAsync<TaskJson>(Json, ct))!.ToStatus());
        var error = await ReadErrorAsync(response, ct);
        return new(error?.Code switch
        {
            "insufficient_gpus" => PoolSubmitOutcome.InsufficientGpus,
            "no_reservation" => PoolSubmitOutcome.NoReservation,
            "node_not_ready" => PoolSubmitOutcome.NodeNotReady,
            _ => PoolSubmitOutcome.Failed,
        }, Message: error?.Message ?? $"The pool answered {(int)response.StatusCode}.");
    }

    public async Task<PoolTaskStatus?> GetAsync(string taskId, CancellationToken ct)
    {
        using var response = await http.GetAsync(TaskUrl(taskId), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TaskJson>(Json, ct))!.ToStatus();
    }

    /// <summary>
    /// POST /pool/tasks/statuses: the known ones of these tasks, open or ended, in one call. A simulator from before that call
    /// (a split deployment updated portal first) answers 404 or 405: then the open list and each other task by id.
    /// </summary>
    public async Task<IReadOnlyList<PoolTaskStatus>> GetManyAsync(IReadOnlyCollection<string> taskIds, CancellationToken ct)
    {
        if (taskIds.Count == 0) return [];
        using var response = await http.PostAsJsonAsync(Url("pool/tasks/statuses"), new { ids = taskIds }, Json, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed) return await OneByOneAsync(taskIds, ct);
        response.EnsureSuccessStatusCode();
        var tasks = await response.Content.ReadFromJsonAsync<List<TaskJson>>(Json, ct) ?? [];
        return [.. tasks.Select(t => t.ToStatus())];
    }

    private async Task<IReadOnlyList<PoolTaskStatus>> OneByOneAsync(IReadOnlyCollection<string> taskIds, CancellationToken ct)
    {
        var found = (await ListAsync(ct, openOnly: true)).Where(t => taskIds.Contains(t.TaskId)).ToDictionary(t => t.TaskId);
        foreach (var id in taskIds.Distinct())
            if (!found.ContainsKey(id) && await GetAsync(id, ct) is { } status) found[id] = status;
        return [.. found.Values];
    }

    public async Task<IReadOnlyList<PoolTaskStatus>> ListAsync(CancellationToken ct, bool openOnly = false)
    {
        var tasks = await http.GetFromJsonAsync<List<TaskJson>>(Url(openOnly ? "pool/tasks?open=true" : "pool/tasks"), Json, ct) ?? [];
        return [.. tasks.Select(t => t.ToStatus())];
    }

    public async Task<bool> CancelAsync(string taskId, TimeSpan grace, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(new Uri(TaskUrl(taskId) + "/cancel"), new { graceSeconds = grace.TotalSeconds }, Json, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>DELETE: 204 deleted, 404 not known (both: nothing left), 409 still running.</summary>
    public async Task<bool> ForgetAsync(string taskId, CancellationToken ct)
    {
        using var response = await http.DeleteAsync(TaskUrl(taskId), ct);
        if (response.StatusCode == HttpStatusCode.Conflict) return false;
        if (response.StatusCode != HttpStatusCode.NotFound) response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct)
    {
        var name = stream == PoolLogStream.Stderr ? "stderr" : "stdout";
        using var response = await http.GetAsync(new Uri(TaskUrl(taskId) + $"/logs/{name}?offset={offset}&max={maxBytes}"),
            HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        // Read once into an array of the announced size, rather than buffered and then copied (up to a megabyte per read).
        byte[] data;
        if (response.Content.Headers.ContentLength is { } length and <= int.MaxValue)
        {
            data = new byte[length];
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            await body.ReadExactlyAsync(data, ct);
        }
        else data = await response.Content.ReadAsByteArrayAsync(ct);
        var complete = response.Headers.TryGetValues("X-Log-Complete", out var values) && values.FirstOrDefault() == "true";
        return new PoolLogChunk(offset, data, complete);
    }

    public async Task<long> WaitForChangeAsync(long after, TimeSpan wait, CancellationToken ct)
    {
        var answer = await http.GetFromJsonAsync<ChangesJson>(Url($"pool/task-changes?after={after}&waitMs={(int)wait.TotalMilliseconds}"), Json, ct);
        return answer?.Version ?? after;
    }

    private sealed record ChangesJson(long Version);

    public async Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct)
    {
        var query = after is { } a ? "?after=" + Uri.EscapeDataString(a.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)) : "";
        using var response = await http.GetAsync(new Uri(TaskUrl(taskId) + "/metrics" + query), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        var samples = await response.Content.ReadFromJsonAsync<List<SampleJson>>(Json, ct) ?? [];
        return [.. samples.Select(s => new PoolGpuSample(s.At.ToUniversalTime(), s.GpuIndex, s.GpuUtil, s.FbUsed, s.PowerUsage))];
    }

    private Uri Url(string path) => new(endpoint.BaseUrl, path);

    private Uri TaskUrl(string taskId) => Url("pool/tasks/" + Uri.EscapeDataString(taskId));

    private static async Task<ErrorJson?> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try { return (await response.Content.ReadFromJsonAsync<ErrorEnvelope>(Json, ct))?.Error; }
        catch (JsonException) { return null; }
    }

    private sealed record TaskJson(
        string TaskId, string NodeId, string ReservationId, PoolTaskState State, int[] GpuIndexes, int? ExitCode,
        DateTime? StartedAt, DateTime? EndedAt, string? Reason, long StdoutBytes, long StderrBytes, int? Samples = null)
    {
        public PoolTaskStatus ToStatus() => new(TaskId, NodeId, Guid.TryParse(ReservationId, out var id) ? id : Guid.Empty, State, GpuIndexes,
            ExitCode, StartedAt?.ToUniversalTime(), EndedAt?.ToUniversalTime(), Reason, StdoutBytes, StderrBytes, Samples);
    }

    private sealed record SampleJson(
        DateTime At, int GpuIndex,
        [property: JsonPropertyName("DCGM_FI_DEV_GPU_UTIL")] double GpuUtil,
        [property: JsonPropertyName("DCGM_FI_DEV_FB_USED")] double FbUsed,
        [property: JsonPropertyName("DCGM_FI_DEV_POWER_USAGE")] double PowerUsage);

    private sealed record ErrorEnvelope(ErrorJson? Error);
    private sealed record ErrorJson(string? Message, string? Type, string? Code);
}
