using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Pool.Slurm;

namespace Portal.Core.Pool;

/// <summary>
/// Makes the driver of a region that is not on the simulator (one per region, kept for the process's life). The default
/// knows <c>Slurm</c>; tests replace it to put a region on a fake driver.
/// </summary>
public delegate IGpuPoolDriver PoolDriverFactory(IServiceProvider services, string regionId, PoolRegionOptions region);

/// <summary>
/// What <see cref="RegionalPoolDriver"/> remembers across calls (a singleton; the router itself is transient like the
/// simulator's HTTP driver): the drivers of regions not on the simulator, which region each node is in, which driver runs
/// each task, and the change number each driver reported last. Node regions never change, so they are cached for good;
/// what a restart forgets is found again in the catalog or by asking the drivers.
/// </summary>
public sealed class PoolRegionDrivers(IServiceProvider services, IOptions<PoolOptions> options, PoolDriverFactory factory,
    IServiceScopeFactory scopes, ILogger<PoolRegionDrivers> logger)
{
    /// <summary>The route key of the simulator; any other key is the id of a region on its own driver.</summary>
    public const string SimulatorKey = "";

    private const int MaxRememberedTasks = 100_000;

    private readonly ConcurrentDictionary<string, IGpuPoolDriver> drivers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> nodeRegions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> taskRoutes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> seenChanges = new(StringComparer.OrdinalIgnoreCase);

    public PoolOptions Options => options.Value;

    public ILogger Logger => logger;

    public bool OnSimulator(string regionId) =>
        string.Equals(Options.DriverOf(regionId), PoolOptions.Simulator, StringComparison.OrdinalIgnoreCase);

    /// <summary>The route key of a region: <see cref="SimulatorKey"/>, or the region's id when it has its own driver.</summary>
    public string RouteOf(string? regionId) => regionId is null || OnSimulator(regionId) ? SimulatorKey : regionId;

    /// <summary>The driver of a region that has its own (created on first use).</summary>
    public IGpuPoolDriver DriverOf(string regionId) =>
        drivers.GetOrAdd(regionId, id => factory(services, id, Options.Regions.GetValueOrDefault(id) ?? new PoolRegionOptions()));

    /// <summary>
    /// The regions with their own driver: the configured ones, and every catalog region when the default driver is not
    /// the simulator.
    /// </summary>
    public async Task<IReadOnlyList<string>> OwnRegionsAsync(CancellationToken ct)
    {
        var ids = Options.Regions.Keys.ToList();
        if (!string.Equals(Options.Driver, PoolOptions.Simulator, StringComparison.OrdinalIgnoreCase))
        {
            await using var scope = scopes.CreateAsyncScope();
            await using var db = await DbAsync(scope, ct);
            ids.AddRange(await db.Regions.AsNoTracking().Select(r => r.Id).ToListAsync(ct));
        }
        return [.. ids.Where(id => !OnSimulator(id)).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];
    }

    public void RememberNode(string nodeId, string regionId) => nodeRegions[nodeId] = regionId;

    /// <summary>The region of a node: remembered, else the catalog's, else the first own driver that reports it; null if none.</summary>
    public async Task<string?> RegionOfNodeAsync(string nodeId, CancellationToken ct)
    {
        if (nodeRegions.TryGetValue(nodeId, out var known)) return known;
        await using (var scope = scopes.CreateAsyncScope())
        await using (var db = await DbAsync(scope, ct))
        {
            if (await db.Nodes.AsNoTracking().Where(n => n.Id == nodeId).Select(n => n.RegionId).FirstOrDefaultAsync(ct) is { } region)
            {
                RememberNode(nodeId, region);
                return region;
            }
        }
        // Not in the catalog yet (the sync adds a Slurm cluster's nodes): the drivers that own regions know theirs.
        foreach (var region in await OwnRegionsAsync(ct))
        {
            var reported = await DriverOf(region).ListNodesAsync(ct);
            foreach (var n in reported) RememberNode(n.Id, region);
            if (reported.Any(n => n.Id == nodeId)) return region;
        }
        return null;
    }

    public void RememberTask(string taskId, string route)
    {
        if (taskRoutes.Count >= MaxRememberedTasks) taskRoutes.Clear(); // a bound, not a policy: what is forgotten is found again
        taskRoutes[taskId] = route;
    }

    /// <summary>
    /// The route of a task: remembered from a submit or a listing, else from the script-job task it belongs to (the pool
    /// task id is <c>{task id:N}-{attempt}</c>) through its node; null when neither knows it.
    /// </summary>
    public async Task<string?> RouteOfTaskAsync(string taskId, CancellationToken ct)
    {
        if (taskRoutes.TryGetValue(taskId, out var route)) return route;
        var dash = taskId.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !Guid.TryParseExact(taskId[..dash], "N", out var id)) return null;
        string? nodeId;
        await using (var scope = scopes.CreateAsyncScope())
        await using (var db = await DbAsync(scope, ct))
            nodeId = await db.ScriptJobTasks.IgnoreQueryFilters().AsNoTracking().Where(t => t.Id == id)
                .Select(t => t.NodeId).FirstOrDefaultAsync(ct);
        if (nodeId is null || await RegionOfNodeAsync(nodeId, ct) is not { } region) return null;
        route = RouteOf(region);
        RememberTask(taskId, route);
        return route;
    }

    // The context factory is scoped (it carries the tenant); nodes and regions belong to no tenant.
    private static Task<PortalDbContext> DbAsync(AsyncServiceScope scope, CancellationToken ct) =>
        scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);

    /// <summary>The change number a driver reported last (-1: never asked).</summary>
    public long SeenChange(string route) => seenChanges.GetValueOrDefault(route, -1);

    public void SawChange(string route, long change) => seenChanges.AddOrUpdate(route, change, (_, old) => Math.Max(old, change));

    /// <summary>Every change number seen, added up: it grows whenever one driver's does.</summary>
    public long ChangeSum() => seenChanges.Values.Sum(v => Math.Max(0, v));

    /// <summary>The default <see cref="PoolDriverFactory"/>: a <see cref="SlurmPoolDriver"/> for a Slurm region.</summary>
    public static IGpuPoolDriver CreateDefault(IServiceProvider services, string regionId, PoolRegionOptions region)
    {
        var driver = region.Driver ?? services.GetRequiredService<IOptions<PoolOptions>>().Value.Driver;
        if (!string.Equals(driver, PoolOptions.Slurm, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Region {regionId}: no pool driver '{driver}' (use {PoolOptions.Simulator} or {PoolOptions.Slurm}).");
        return new SlurmPoolDriver(regionId, region.Slurm, services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<SlurmPoolDriver>>());
    }
}
