using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;

namespace Portal.Core.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// The only services that reach across tenants; the pages under /admin use them and nothing else.
    /// Support's lease and tenant-limit services (LeaseAdminQueries, LeaseAdminDecisions, TenantLimitsAdmin) are
    /// others; AddPortalLeases registers them beside the tenant's lease classes.
    /// </summary>
    public static IServiceCollection AddPortalAdmin(this IServiceCollection services)
    {
        services.AddScoped<TenantAdminService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<AuditSearchService>();
        services.AddScoped<SkuAdminService>();
        services.AddScoped<ModelAdminService>();
        services.AddScoped<RegionAdminService>();
        services.AddScoped<NodeAdminService>();
        services.AddScoped<BatchAdminService>();
        services.AddScoped<SupportQueue>();
        services.AddScoped<SupportQueueJobs>();
        services.AddScoped<UserActivity>();
        return services;
    }
}
