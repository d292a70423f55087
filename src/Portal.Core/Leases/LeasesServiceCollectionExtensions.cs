using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

public static class LeasesServiceCollectionExtensions
{
    public static IServiceCollection AddPortalLeases(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<LeaseOptions>().Bind(config.GetSection("Leases"));
        services.AddScoped<LeaseScheduler>();
        services.AddScoped<LeaseActor>();
        services.AddScoped<LeaseLimits>();
        services.AddScoped<LeaseTerms>();
        services.AddScoped<AgreementSigner>();
        services.AddScoped<LeaseQueries>();
        services.AddScoped<LeaseAvailability>();
        services.AddScoped<LeaseQuoting>();
        services.AddScoped<FlexibleSkuChoice>();
        services.AddScoped<LeaseSigning>();
        services.AddScoped<LeaseExtending>();
        services.AddScoped<ExtensionSigning>();
        services.AddScoped<LeaseCancelling>();
        services.AddSingleton<QuoteRateLimiter>();
        services.AddScoped<OrganizationLimitsService>();
        services.AddScoped<LeaseTransitions>();
        services.AddScoped<LifecyclePool>();
        services.AddScoped<BatchedReservations>();
        services.AddScoped<LeaseAdminQueries>();
        services.AddScoped<LeaseAdminDecisions>();
        services.AddScoped<TenantLimitsAdmin>();
        services.AddScoped<Deals.DealDesk>();
        services.AddScoped<Deals.DealResponse>();
        services.AddTransient<ProvisionLeaseJob>();
        services.AddTransient<EndLeaseJob>();
        services.AddTransient<LeaseLifecycleJob>();
        services.AddTransient<NodeFailureJob>();
        services.AddTransient<AgreementPdfJob>();
        return services;
    }
}
