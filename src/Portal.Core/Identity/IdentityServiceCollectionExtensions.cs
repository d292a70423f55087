using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>
    /// The portal's own account services: the support account's seed, the lockout of unknown e-mails, account deletion.
    /// ASP.NET Core Identity itself (cookies, the sign-in manager, password rules) is the host's: AddPortalIdentity in Web.
    /// </summary>
    public static IServiceCollection AddPortalAccounts(this IServiceCollection services)
    {
        services.AddScoped<SupportAccountSeeder>();
        services.AddSingleton<UnknownAccountLockout>();
        services.AddScoped<SignInAudit>();
        services.AddScoped<AccountDeletion>();
        return services;
    }
}
