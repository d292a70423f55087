using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Portal.Core.Catalog;
using static Portal.Core.Pool.PoolRegionDrivers;

namespace Portal.Core.Pool;

/// <summary>
/// The pool when regions run on different drivers (<c>Pool:Regions:{id}:Driver</c>): every node call goes to the driver of
/// the node's region, task calls to the driver that runs the task, and listings are the union of all. Regions on the
/// simulator share the embedded (or remote) simulator, which also serves the hosted models.
/// </summary>
public sealed class RegionalPoolDriver(IGpuPoolDriver simulator, PoolRegionDrivers regions) : IGpuPoolDriver
{
    public async Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default)
    {
        // A remote simulator may stand in for a region that has its own driver now: only what it owns counts.
        var nodes = (await simulator.ListNodesAsync(ct)).Where(n => regions.OnSimulator(n.Region)).ToList();
        foreach (var region in await regions.OwnRegionsAsync(ct))
        {
            try
            {
                foreach (var n in await regions.DriverOf(region).ListNodesAsync(ct))
                {
                    regions.RememberNode(n.Id, region);
                    nodes.Add(n with { Region = region });
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // One cluster away must not stop the others' node states: its nodes keep their last state in the catalog.
                regions.Logger.LogWarning(e, "The pool of region {Region} did not list its nodes", region);
            }
        }
        return nodes;
    }

    public async Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default) =>
        await (await NodeDriverAsync(nodeId, ct)).ReserveAsync(nodeId, allocationId, gpus, ct);

    public async Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default) =>
        await (await NodeDriverAsync(nodeId, ct)).ReleaseAsync(nodeId, allocationId, ct);

    public async Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct = default) =>
        await (await NodeDriverAsync(hold.NodeId, ct)).ReserveAsync(hold, ct);

    public async Task<ReservationResult> ExtendAsync(PoolHold hold, CancellationToken ct = default) =>
        await (await NodeDriverAsync(hold.NodeId, ct)).ExtendAsync(hold, ct);

    public async Task ReleaseAsync(PoolHold hold, CancellationToken ct = default) =>
        await (await NodeDriverAsync(hold.NodeId, ct)).ReleaseAsync(hold, ct);

    public async Task<bool> SetNodeStateAsync(string nodeId, NodeState state, CancellationToken ct = default) =>
        await (await NodeDriverAsync(nodeId, ct)).SetNodeStateAsync(nodeId, state, ct);

    public async Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default)
    {
        var route = regions.RouteOf(await regions.RegionOfNodeAsync(spec.NodeId, ct));
        regions.RememberTask(spec.TaskId, route); // before the call: a submit that reached the pool but not us is still found
        return await Driver(route).SubmitTaskAsync(spec, ct);
    }

    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) =>
        OnTaskDriverAsync(taskId, d => d.GetTaskAsync(taskId, ct), r => r is not null, null, ct);

    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) =>
        OnTaskDriverAsync(taskId, d => d.CancelTaskAsync(taskId, grace, ct), r => r, false, ct);

    /// <summary>On the driver that ran it; when no one knows which, every driver is asked (each forgets only its own).</summary>
    public async Task<bool> ForgetTaskAsync(string taskId, CancellationToken ct = default)
    {
        if (await regions.RouteOfTaskAsync(taskId, ct) is { } route) return await Driver(route).ForgetTaskAsync(taskId, ct);
        var gone = true;
        foreach (var (_, driver) in await AllAsync(ct)) gone &= await driver.ForgetTaskAsync(taskId, ct);
        return gone;
    }

    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        OnTaskDriverAsync(taskId, d => d.ReadLogAsync(taskId, stream, offset, maxBytes, ct), r => r is not null, null, ct);

    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        OnTaskDriverAsync(taskId, d => d.ReadMetricsAsync(taskId, after, ct), r => r.Count > 0, [], ct);

    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => ListAsync(openOnly: false, ct);

    public Task<IReadOnlyList<PoolTaskStatus>> ListOpenTasksAsync(CancellationToken ct = default) => ListAsync(openOnly: true, ct);

    private async Task<IReadOnlyList<PoolTaskStatus>> ListAsync(bool openOnly, CancellationToken ct)
    {
        var tasks = new List<PoolTaskStatus>();
        foreach (var (route, driver) in await AllAsync(ct))
        {
            try
            {
                foreach (var t in openOnly ? await driver.ListOpenTasksAsync(ct) : await driver.ListTasksAsync(ct))
                {
                    regions.RememberTask(t.TaskId, route);
                    tasks.Add(t);
                }
            }
            catch (Exception e) when (route != SimulatorKey && !ct.IsCancellationRequested)
            {
                // A task missing from the list is asked for by id, which fails loudly: nothing is taken for lost here.
                regions.Logger.LogWarning(e, "The pool of region {Region} did not list its tasks", route);
            }
        }
        return tasks;
    }

    /// <summary>
    /// Waits on every driver at once and answers when the first one does (a change, or its wait ran out); the number is
    /// the sum of the drivers' own, so it grows whenever one of them does. A driver that fails does not wake the caller
    /// while another still waits.
    /// </summary>
    public async Task<long> WaitForTaskChangeAsync(long after, TimeSpan wait, CancellationToken ct = default)
    {
        if (after >= 0 && after < regions.ChangeSum()) return regions.ChangeSum(); // changed since the caller looked
        var all = await AllAsync(ct);
        using var first = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var waits = all.Select(d => WaitOneAsync(d.Route, d.Driver, wait, first.Token)).ToList();
        var pending = waits.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully) break;
        }
        await first.CancelAsync();
        try { await Task.WhenAll(waits); }
        catch (Exception) when (waits.Any(w => w.IsCompletedSuccessfully)) { } // the others, cancelled or failed
        ct.ThrowIfCancellationRequested();
        return regions.ChangeSum();
    }

    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => simulator.ResolveModelBaseUrl(deploymentBaseUrl);

    private async Task WaitOneAsync(string route, IGpuPoolDriver driver, TimeSpan wait, CancellationToken ct) =>
        regions.SawChange(route, await driver.WaitForTaskChangeAsync(regions.SeenChange(route), wait, ct));

    private IGpuPoolDriver Driver(string route) => route == SimulatorKey ? simulator : regions.DriverOf(route);

    private async Task<IGpuPoolDriver> NodeDriverAsync(string nodeId, CancellationToken ct) =>
        Driver(regions.RouteOf(await regions.RegionOfNodeAsync(nodeId, ct)));

    private async Task<List<(string Route, IGpuPoolDriver Driver)>> AllAsync(CancellationToken ct) =>
        [(SimulatorKey, simulator), .. (await regions.OwnRegionsAsync(ct)).Select(r => (r, regions.DriverOf(r)))];

    /// <summary>
    /// Calls the driver that runs the task; when no one knows which, asks each in turn and remembers who had it. Not found
    /// anywhere while a driver failed is that failure, never "unknown": an unknown running task would be taken for lost.
    /// </summary>
    private async Task<T> OnTaskDriverAsync<T>(string taskId, Func<IGpuPoolDriver, Task<T>> call, Func<T, bool> found, T notFound,
        CancellationToken ct)
    {
        if (await regions.RouteOfTaskAsync(taskId, ct) is { } route) return await call(Driver(route));
        ExceptionDispatchInfo? failure = null;
        foreach (var (key, driver) in await AllAsync(ct))
        {
            try
            {
                var answer = await call(driver);
                if (!found(answer)) continue;
                regions.RememberTask(taskId, key);
                return answer;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                failure ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        failure?.Throw();
        return notFound;
    }
}
