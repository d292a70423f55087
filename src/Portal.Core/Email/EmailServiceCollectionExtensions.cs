using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Email;

public static class EmailServiceCollectionExtensions
{
    /// <summary>E-mail goes to the outbox unless SMTP is configured (<c>Email:*</c>).</summary>
    public static IServiceCollection AddPortalEmail(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<EmailOptions>(config.GetSection(EmailOptions.Section));
        var options = config.GetSection(EmailOptions.Section).Get<EmailOptions>() ?? new EmailOptions();
        if (options.UsesOutbox)
            services.AddScoped<IEmailSender, OutboxEmailSender>();
        else
            services.AddSingleton<IEmailSender, SmtpEmailSender>();
        return services;
    }
}
