using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Catalog;

public static class CatalogServiceCollectionExtensions
{
    /// <summary>The public catalog: GPU types, regions and models with their prices.</summary>
    public static IServiceCollection AddPortalCatalog(this IServiceCollection services)
    {
        services.AddScoped<CatalogService>();
        return services;
    }
}
