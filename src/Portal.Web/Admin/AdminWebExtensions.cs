using Hangfire;
using Hangfire.Dashboard;
using Portal.Core.Admin;
using Portal.Web.Components.Account;

namespace Portal.Web.Admin;

public static class AdminWebExtensions
{
    public static IServiceCollection AddPortalAdmin(this IServiceCollection services)
    {
        // The only services that reach across tenants; the pages under /admin use them and nothing else.
        services.AddScoped<TenantAdminService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<AuditSearchService>();
        services.AddScoped<SkuAdminService>();
        services.AddScoped<ModelAdminService>();
        services.AddScoped<RegionAdminService>();
        services.AddScoped<NodeAdminService>();
        // LeaseAdminService (approvals, terminations, limits) is the fifth; AddPortalLeases registers it beside LeaseService.
        services.AddScoped<Portal.Core.Batches.BatchAdminService>();
        return services;
    }

    public static WebApplication MapPortalAdmin(this WebApplication app)
    {
        // Support only: anonymous users are sent to sign in, tenant members are refused.
        app.MapHangfireDashboardWithAuthorizationPolicy(AccountServiceCollectionExtensions.SupportPolicy, "/admin/jobs",
            new DashboardOptions { DashboardTitle = "Portal background jobs", AppPath = "/", DisplayStorageConnectionString = false });
        return app;
    }
}
