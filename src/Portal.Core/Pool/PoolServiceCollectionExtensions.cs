using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Core.Pool;

public static class PoolServiceCollectionExtensions
{
    /// <summary>
    /// The pool driver (the simulator's address is set at startup, see <see cref="PoolEndpoint"/>) and the node-state sync.
    /// When some region runs on another driver (<c>Pool:Regions:{id}:Driver</c>), <see cref="IGpuPoolDriver"/> is the
    /// <see cref="RegionalPoolDriver"/> in front of the simulator and those regions' drivers.
    /// </summary>
    public static IServiceCollection AddPortalPool(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PoolEndpoint>();
        services.AddOptions<PoolOptions>().Bind(configuration.GetSection("Pool"));
        // Retries are safe: every pool call is idempotent by allocation id.
        if (OnlySimulator(configuration.GetSection("Pool").Get<PoolOptions>() ?? new PoolOptions()))
        {
            services.AddHttpClient<IGpuPoolDriver, SimulatorPoolDriver>().AddStandardResilienceHandler();
        }
        else
        {
            services.AddHttpClient<SimulatorPoolDriver>().AddStandardResilienceHandler();
            services.AddSingleton<PoolRegionDrivers>();
            services.TryAddSingleton<PoolDriverFactory>(PoolRegionDrivers.CreateDefault);
            // A factory, like the typed client above: tests decorate the last IGpuPoolDriver registration's factory.
            services.AddTransient<IGpuPoolDriver>(sp =>
                new RegionalPoolDriver(sp.GetRequiredService<SimulatorPoolDriver>(), sp.GetRequiredService<PoolRegionDrivers>()));
        }
        services.AddHttpClient(SimulatorTaskClient.SubmitClientName, client => client.Timeout = TimeSpan.FromMinutes(5));
        services.AddTransient<SyncNodeStatesJob>();
        return services;
    }

    /// <summary>True when every region runs on the simulator; an unknown driver name stops the start with a clear message.</summary>
    private static bool OnlySimulator(PoolOptions options)
    {
        string[] known = [PoolOptions.Simulator, PoolOptions.Slurm];
        var named = options.Regions.Select(r => (Key: $"Pool:Regions:{r.Key}:Driver", Value: r.Value.Driver))
            .Prepend((Key: "Pool:Driver", Value: (string?)options.Driver)).Where(d => d.Value is { Length: > 0 });
        foreach (var (key, value) in named)
            if (!known.Contains(value, StringComparer.OrdinalIgnoreCase))
                throw new InvalidOperationException($"{key} is '{value}': use {PoolOptions.Simulator} or {PoolOptions.Slurm}.");
        return PoolRegionCatalog.AllOnSimulator(options);
    }
}
