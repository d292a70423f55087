using Portal.Core.Email;

namespace Portal.Web.Email;

public static class EmailServiceCollectionExtensions
{
    public static IServiceCollection AddPortalEmail(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<EmailOptions>(config.GetSection(EmailOptions.Section));
        services.AddScoped<OutboxAccess>();
        var options = config.GetSection(EmailOptions.Section).Get<EmailOptions>() ?? new EmailOptions();
        if (options.UsesOutbox)
            services.AddScoped<IEmailSender, OutboxEmailSender>();
        else
            services.AddSingleton<IEmailSender, SmtpEmailSender>();
        return services;
    }
}
