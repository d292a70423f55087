using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Pool;

public static class PoolServiceCollectionExtensions
{
    /// <summary>The pool driver (its address is set at startup, see <see cref="PoolEndpoint"/>) and the node-state sync.</summary>
    public static IServiceCollection AddPortalPool(this IServiceCollection services)
    {
        services.AddSingleton<PoolEndpoint>();
        // Retries are safe: every pool call is idempotent by allocation id.
        services.AddHttpClient<IGpuPoolDriver, SimulatorPoolDriver>().AddStandardResilienceHandler();
        services.AddHttpClient(SimulatorTaskClient.SubmitClientName, client => client.Timeout = TimeSpan.FromMinutes(5));
        services.AddTransient<SyncNodeStatesJob>();
        return services;
    }
}
