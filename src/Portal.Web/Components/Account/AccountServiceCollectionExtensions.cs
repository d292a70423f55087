using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Core.Tenancy;

namespace Portal.Web.Components.Account;

public static class AccountServiceCollectionExtensions
{
    public const string SupportPolicy = "Support";

    public static IServiceCollection AddPortalIdentity(this IServiceCollection services)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        // APIs answer 401/403 as problem details; browsers are sent to the sign-in or access-denied page.
        services.ConfigureApplicationCookie(o =>
        {
            o.Events.OnRedirectToLogin = c => ApiOrRedirect(c, StatusCodes.Status401Unauthorized, "Sign in first.");
            o.Events.OnRedirectToAccessDenied = c => ApiOrRedirect(c, StatusCodes.Status403Forbidden, "You may not do that.");
            SessionStampCheck.CheckOnEveryRequest(o);
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(SupportPolicy, p => p.RequireRole(TenantResolver.SupportRole));

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = true;
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
                options.User.RequireUniqueEmail = true;

                // OWASP ASVS 5 level 2: length, not composition (the maximum is PasswordLengthValidator's).
                options.Password.RequiredLength = PasswordLengthValidator.MinLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;

                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddUserManager<PortalUserManager>()
            .AddSignInManager<PortalSignInManager>()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<PasswordLengthValidator>();

        // PBKDF2 at 210,000 iterations (OWASP, HMAC-SHA512); hashes made with fewer are re-hashed at the next sign-in.
        services.Configure<PasswordHasherOptions>(o => o.IterationCount = 210_000);
        services.AddScoped<IEmailSender<ApplicationUser>, IdentityEmailSender>();
        services.AddScoped<AlreadyRegisteredEmail>();
        return services;
    }

    private static Task ApiOrRedirect(
        Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context,
        int status, string detail)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }
        context.Response.StatusCode = status;
        return Results.Problem(statusCode: status, detail: detail).ExecuteAsync(context.HttpContext);
    }
}
