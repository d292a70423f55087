using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>The audit log and who is acting (filled in per request or circuit by the web host).</summary>
    public static IServiceCollection AddPortalAudit(this IServiceCollection services)
    {
        services.AddScoped<AuditOrigin>();
        services.AddScoped<AuditLog>();
        return services;
    }
}
