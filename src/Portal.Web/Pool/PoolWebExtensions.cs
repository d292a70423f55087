using GpuPool.Simulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Pool;
using CatalogKind = Portal.Core.Catalog.ModelKind;

namespace Portal.Web.Pool;

public static class PoolWebExtensions
{
    /// <summary>What this host needs beyond <c>AddPortalPool</c>: the simulator it may run in-process.</summary>
    public static IServiceCollection AddPortalPoolSimulator(this IServiceCollection services)
    {
        services.AddSingleton<EmbeddedPoolSimulator>();
        return services;
    }

    /// <summary>
    /// Points the driver at the pool: <c>Pool:SimulatorUrl</c> when the simulator runs elsewhere, otherwise
    /// starts the embedded simulator on a free loopback port, standing in for the nodes and models in the catalog.
    /// </summary>
    public static async Task StartPortalPoolAsync(this WebApplication app)
    {
        await app.AddPoolRegionsAsync();
        var endpoint = app.Services.GetRequiredService<PoolEndpoint>();
        if (app.Configuration["Pool:SimulatorUrl"] is { Length: > 0 } url)
        {
            endpoint.Set(new Uri(url));
            await app.SyncPoolRegionsAsync();
            return;
        }

        // Before the host starts (and with it the job server): no job may reach for a pool that has no address yet.
        var options = await SimulatorOptionsFromCatalogAsync(app.Services, app.Configuration);
        options.TaskRoot = TaskRoot(app.Configuration, app.Environment);
        options.MetricsInterval = TimeSpan.FromMilliseconds(app.Configuration.GetValue("Pool:MetricsIntervalMs", 10_000));
        options.Port = app.Configuration.GetValue("Pool:SimulatorPort", 0); // fixed: the other processes of a split deployment reach it there
        var embedded = await app.Services.GetRequiredService<EmbeddedPoolSimulator>().StartAsync(options, app.Lifetime.ApplicationStopping);
        endpoint.Set(embedded);
        app.Logger.LogInformation("Embedded GPU pool simulator at {Url} with {Nodes} nodes", embedded, options.Nodes.Count);
        await app.SyncPoolRegionsAsync();
    }

    private static async Task<SimulatorOptions> SimulatorOptionsFromCatalogAsync(IServiceProvider services, IConfiguration config)
    {
        await using var scope = services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        // Regions on their own driver (a Slurm cluster) are not simulated: their nodes are real.
        var pool = services.GetRequiredService<IOptions<PoolOptions>>().Value;
        var nodes = (await db.Nodes.AsNoTracking().OrderBy(n => n.Id).ToListAsync())
            .Where(n => PoolRegionCatalog.IsSimulator(pool, n.RegionId)).ToList();
        var simulated = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var models = await db.Models.AsNoTracking().Where(m => m.RetiredAt == null).ToListAsync();
        // What the database says the pool holds: a restarted embedded pool holds exactly these (its tasks may still run on them).
        var held = await db.Allocations.AsNoTracking().Where(a => a.ReservedAt != null && a.PoolReleasedAt == null)
            .Select(a => new { a.NodeId, a.Id, a.Gpus }).ToListAsync();
        return new SimulatorOptions
        {
            ReservationDelay = TimeSpan.FromMilliseconds(config.GetValue("Pool:ReservationDelayMs", 3000)),
            LatencyMultiplier = config.GetValue("Pool:LatencyMultiplier", 1.0),
            Reservations = [.. held.Where(a => simulated.Contains(a.NodeId))
                .Select(a => new ReservationOptions { NodeId = a.NodeId, AllocationId = a.Id.ToString(), Gpus = a.Gpus })],
            Nodes = [.. nodes.Select(n => new NodeOptions
            {
                Id = n.Id, Region = n.RegionId, Sku = n.SkuId, GpuCount = n.GpuCount, State = Enum.Parse<NodeState>(n.State.ToString()),
            })],
            Models = [.. models.Select(m => new ModelOptions
            {
                Id = m.Id, Kind = m.Kind == CatalogKind.Embeddings ? ModelKind.Embeddings : ModelKind.Chat, Sku = m.ServingSkuId,
                ContextLength = m.ContextLength, TokensPerSecond = TokensPerSecond(m.ServingSkuId, m.Kind),
                MaxConcurrency = m.Kind == CatalogKind.Embeddings ? 16 : 8,
            })],
        };
    }

    /// <summary>
    /// Where the embedded pool runs script-job tasks: <c>Pool:TaskRoot</c>, else <c>data/pool</c> under the content root.
    /// It outlives the portal process: a restarted portal's pool re-attaches to the tasks still running there.
    /// </summary>
    private static string TaskRoot(IConfiguration config, IHostEnvironment environment) =>
        Path.GetFullPath(config["Pool:TaskRoot"] is { Length: > 0 } root ? root : Path.Combine("data", "pool"), environment.ContentRootPath);

    /// <summary>Decode speed of one model replica on each SKU: what the simulator's latency follows.</summary>
    private static double TokensPerSecond(string sku, CatalogKind kind) => kind == CatalogKind.Embeddings ? 20_000 : sku switch
    {
        "b200-180gb" => 150, "h200-141gb" => 120, "h100-sxm-80gb" => 60, "a100-80gb" => 40, _ => 30,
    };
}
