using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Tenancy;

public static class TenancyServiceCollectionExtensions
{
    /// <summary>Organisations, their members and invitations, and finding the current tenant of a user.</summary>
    public static IServiceCollection AddPortalTenancy(this IServiceCollection services)
    {
        services.AddScoped<TenantResolver>();
        services.AddScoped<OrganizationService>();
        services.AddScoped<TeamGate>();
        services.AddScoped<TeamMembers>();
        services.AddScoped<TeamInvitations>();
        services.AddScoped<InvitationAcceptance>();
        return services;
    }
}
