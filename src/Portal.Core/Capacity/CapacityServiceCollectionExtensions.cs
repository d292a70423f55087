using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Capacity;

public static class CapacityServiceCollectionExtensions
{
    /// <summary>The availability calendar (free GPUs per day or hour).</summary>
    public static IServiceCollection AddPortalCapacity(this IServiceCollection services)
    {
        services.AddScoped<AvailabilityQueries>();
        services.AddSingleton<PoolFreeIndex>();
        return services;
    }
}
