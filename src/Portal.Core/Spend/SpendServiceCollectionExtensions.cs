using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Spend;

public static class SpendServiceCollectionExtensions
{
    /// <summary>Spend control: the monthly limit's options, the warnings job, tenant settings and the usage report.</summary>
    public static IServiceCollection AddPortalSpend(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<SpendOptions>().Bind(config.GetSection("Spend"));
        services.AddTransient<SpendWarningJob>();
        services.AddScoped<OrganizationSettingsService>();
        services.AddScoped<UsageReportService>();
        return services;
    }
}
