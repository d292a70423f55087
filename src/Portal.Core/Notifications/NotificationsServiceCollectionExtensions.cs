using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Notifications;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>The live notifier for open pages, the bell's notifications and their emails.</summary>
    public static IServiceCollection AddPortalNotifications(this IServiceCollection services)
    {
        services.AddSingleton<PortalChanges>();
        services.AddSingleton<DeliveryRunThrottle>();
        services.AddScoped<Notifier>();
        services.AddTransient<DeliverNotificationEmailsJob>();
        return services;
    }
}
