using Portal.Web.Notifications;

namespace Portal.Web.Leases;

public static class LeasesUiExtensions
{
    /// <summary>What the lease pages and the notification bell need beyond <c>AddPortalLeases</c>.</summary>
    public static IServiceCollection AddPortalLeasesUi(this IServiceCollection services)
    {
        services.AddScoped<NotificationQueries>();
        return services;
    }
}
