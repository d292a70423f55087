using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Billing;

public static class BillingServiceCollectionExtensions
{
    public static IServiceCollection AddPortalBilling(this IServiceCollection services)
    {
        services.AddTransient<MeterUsageJob>();
        services.AddTransient<IssueInvoicesJob>();
        services.AddScoped<InvoiceIssuer>();
        services.AddScoped<InvoiceService>();
        services.AddScoped<BillingAdminService>();
        services.AddScoped<BillingAdminActionService>();
        return services;
    }
}
