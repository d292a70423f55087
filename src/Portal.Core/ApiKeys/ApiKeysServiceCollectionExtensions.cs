using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.ApiKeys;

public static class ApiKeysServiceCollectionExtensions
{
    /// <summary>Creating and revoking keys, and finding the caller of a presented key.</summary>
    public static IServiceCollection AddPortalApiKeys(this IServiceCollection services)
    {
        services.AddScoped<ApiKeyService>();
        services.AddScoped<ApiKeyAuthenticator>();
        return services;
    }
}
