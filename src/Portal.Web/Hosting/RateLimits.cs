using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Web.ApiKeys;

namespace Portal.Web.Hosting;

/// <summary>
/// ASP.NET Core's rate limiter on the doors an attacker knocks at (see <see cref="RateLimitSettings"/>): the
/// account forms (sign-in, two-factor, register, password reset) per client address and per account, and the APIs
/// per API key, per signed-in user, or per address for calls with neither (so guessing keys runs into it too).
/// Everything else (pages, static files, the Blazor circuit) is not limited here.
/// </summary>
public static class RateLimits
{
    private const string AccountKey = "portal:rate-limit-account";

    internal enum Door { None, SignIn, Register, PasswordReset, Api }

    public static IServiceCollection AddPortalRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RateLimitSettings>(configuration.GetSection(RateLimitSettings.Section));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitSettings>>((options, settings) =>
        {
            var limits = settings.Value;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Both must grant: the address (or key) first, then the account.
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => First(context, limits)),
                PartitionedRateLimiter.Create<HttpContext, string>(context => Second(context, limits)));
            options.OnRejected = (context, ct) => RateLimitRefusal.WriteAsync(context, DoorOf(context.HttpContext.Request), ct);
        });
        return services;
    }

    /// <summary>After authentication: API callers are counted by their key or user.</summary>
    public static WebApplication UsePortalRateLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (DoorOf(context.Request) is Door.SignIn or Door.Register or Door.PasswordReset)
                context.Items[AccountKey] = await AccountOfAsync(context);
            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    internal static Door DoorOf(HttpRequest request)
    {
        var path = request.Path;
        if (path.StartsWithSegments("/api/docs")) return Door.None;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/v1")) return Door.Api;
        if (!HttpMethods.IsPost(request.Method)) return Door.None;
        return (path.Value ?? "").TrimEnd('/').ToLowerInvariant() switch
        {
            "/account/login" or "/account/loginwith2fa" or "/account/loginwithrecoverycode" => Door.SignIn,
            "/account/register" => Door.Register,
            "/account/forgotpassword" or "/account/resetpassword" or "/account/resendemailconfirmation" => Door.PasswordReset,
            _ => Door.None,
        };
    }

    /// <summary>The window a door counts in, for Retry-After when the limiter gives none.</summary>
    internal static TimeSpan WindowOf(Door door, RateLimitSettings limits) => TimeSpan.FromSeconds(door switch
    {
        Door.SignIn => limits.SignIn.WindowSeconds,
        Door.Register => limits.Register.WindowSeconds,
        Door.PasswordReset => limits.PasswordReset.WindowSeconds,
        _ => limits.Api.WindowSeconds,
    });

    private static RateLimitPartition<string> First(HttpContext context, RateLimitSettings limits)
    {
        var door = DoorOf(context.Request);
        var ip = ClientAddress(context);
        return door switch
        {
            Door.SignIn => Window($"sign-in ip {ip}", limits.SignIn.PerIp, limits.SignIn.WindowSeconds),
            Door.Register => Window($"register ip {ip}", limits.Register.PerIp, limits.Register.WindowSeconds),
            Door.PasswordReset => Window($"reset ip {ip}", limits.PasswordReset.PerIp, limits.PasswordReset.WindowSeconds),
            Door.Api when context.User.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) is { } key =>
                Window($"api key {key}", limits.Api.PerKey, limits.Api.WindowSeconds),
            Door.Api when context.User.Identity?.IsAuthenticated == true && context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } user =>
                Window($"api user {user}", limits.Api.PerUser, limits.Api.WindowSeconds),
            Door.Api => Window($"api anonymous {ip}", limits.Api.AnonymousPerIp, limits.Api.AnonymousWindowSeconds),
            _ => RateLimitPartition.GetNoLimiter(""),
        };
    }

    private static RateLimitPartition<string> Second(HttpContext context, RateLimitSettings limits)
    {
        if (context.Items[AccountKey] is not string account) return RateLimitPartition.GetNoLimiter("");
        return DoorOf(context.Request) switch
        {
            Door.SignIn => Window($"sign-in account {account}", limits.SignIn.PerAccount, limits.SignIn.WindowSeconds),
            Door.Register => Window($"register account {account}", limits.Register.PerAccount, limits.Register.WindowSeconds),
            Door.PasswordReset => Window($"reset account {account}", limits.PasswordReset.PerAccount, limits.PasswordReset.WindowSeconds),
            _ => RateLimitPartition.GetNoLimiter(""),
        };
    }

    /// <summary>A limit of 0 or less switches that count off.</summary>
    private static RateLimitPartition<string> Window(string key, int permits, int seconds) =>
        permits <= 0 || seconds <= 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = TimeSpan.FromSeconds(seconds),
                QueueLimit = 0,
            });

    /// <summary>IPv6 clients usually hold a whole /64: count the network, not each address in it.</summary>
    private static string ClientAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address)) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>
    /// The account an attempt is about: the e-mail typed into the form (whether or not it exists), or the user a
    /// two-factor sign-in is for. The form is read here once; the page reads the same parsed form later.
    /// </summary>
    private static async Task<string?> AccountOfAsync(HttpContext context)
    {
        string? account = null;
        if (context.Request.HasFormContentType)
        {
            try
            {
                account = (await context.Request.ReadFormAsync(context.RequestAborted))["Input.Email"].ToString();
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return null; // the page answers the unreadable form itself
            }
        }
        if (string.IsNullOrWhiteSpace(account) && DoorOf(context.Request) == Door.SignIn)
        {
            var twoFactor = await context.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme);
            account = twoFactor.Principal?.FindFirstValue(ClaimTypes.Name) is { } userId ? "user " + userId : null;
        }
        return string.IsNullOrWhiteSpace(account) ? null : account.Trim().ToUpperInvariant();
    }
}
