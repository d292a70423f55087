using Portal.Core.Catalog;
using Portal.Core.Pool;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// What the pool holds of each task's output, set by the test: log bytes per stream (appended as the "task" writes),
/// whether the task has ended, and its GPU samples. <see cref="OutputPoolDriver"/> answers the collector from it.
/// </summary>
public sealed class FakePoolOutput
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string, PoolLogStream), List<byte>> logs = [];
    private readonly Dictionary<string, List<PoolGpuSample>> samples = [];
    private readonly HashSet<string> ended = [];
    private readonly HashSet<string> known = [];

    public int LogReads { get; private set; }

    public void Write(string taskId, PoolLogStream stream, byte[] bytes)
    {
        lock (gate)
        {
            known.Add(taskId);
            if (!logs.TryGetValue((taskId, stream), out var log)) logs[(taskId, stream)] = log = [];
            log.AddRange(bytes);
        }
    }

    public void Write(string taskId, PoolLogStream stream, string text) => Write(taskId, stream, System.Text.Encoding.UTF8.GetBytes(text));

    public void End(string taskId) { lock (gate) { known.Add(taskId); ended.Add(taskId); } }

    public void Sample(string taskId, params PoolGpuSample[] more)
    {
        lock (gate)
        {
            known.Add(taskId);
            if (!samples.TryGetValue(taskId, out var list)) samples[taskId] = list = [];
            list.AddRange(more);
        }
    }

    public PoolLogChunk? Read(string taskId, PoolLogStream stream, long offset, int maxBytes)
    {
        lock (gate)
        {
            LogReads++;
            if (!known.Contains(taskId)) return null;
            var log = logs.GetValueOrDefault((taskId, stream)) ?? [];
            var from = (int)Math.Min(offset, log.Count);
            var count = Math.Min(maxBytes, log.Count - from);
            var data = log.GetRange(from, count).ToArray();
            return new PoolLogChunk(offset, data, ended.Contains(taskId) && from + count == log.Count);
        }
    }

    public IReadOnlyList<PoolGpuSample> Samples(string taskId, DateTime? after)
    {
        lock (gate)
            return [.. (samples.GetValueOrDefault(taskId) ?? []).Where(s => after is null || s.At > after).OrderBy(s => s.At)];
    }
}

/// <summary>The embedded pool with its task logs and metrics answered by <see cref="FakePoolOutput"/>.</summary>
public sealed class OutputPoolDriver(IGpuPoolDriver real, FakePoolOutput output) : IGpuPoolDriver
{
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        Task.FromResult(output.Read(taskId, stream, offset, maxBytes));

    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        Task.FromResult(output.Samples(taskId, after));

    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default) => real.ListNodesAsync(ct);
    public Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) => real.ReserveAsync(nodeId,
        allocationId, gpus, ct);
    public Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default) => real.ReleaseAsync(nodeId, allocationId, ct);
    public Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default) => real.SetNodeStateAsync(nodeId, state, ct);
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => real.SubmitTaskAsync(spec, ct);
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => real.GetTaskAsync(taskId, ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => real.ListTasksAsync(ct);
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => real.CancelTaskAsync(taskId, grace, ct);
    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => real.ResolveModelBaseUrl(deploymentBaseUrl);
}
