using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Portal.Core.ApiKeys;
using Portal.Web.Batches;
using Portal.Web.Leases;

namespace Portal.Web.ApiKeys;

public static class ApiKeysWebExtensions
{
    /// <summary>The default scheme: picks the API key scheme or Identity's cookie for each request.</summary>
    public const string SelectorScheme = "CookieOrApiKey";
    /// <summary>Authenticated, and for an API key the scopes the request needs (reads: Read or the area's scope).</summary>
    public const string OpenAiPolicy = "ApiKey:Batches";
    public const string LeasesPolicy = "ApiKey:Leases";
    public const string JobsPolicy = "ApiKey:Jobs";

    /// <summary>
    /// API keys: the service, the "ApiKey" scheme, and a default scheme that sends /v1 (always) and /api/v1/leases
    /// (when a Bearer header is sent) to it, everything else to the cookie, so pages and the cookie API are unchanged.
    /// Call after AddPortalIdentity.
    /// </summary>
    /// <summary>The API-key authentication scheme and the scope policies, beside the cookie.</summary>
    public static IServiceCollection AddPortalApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            // No display name: Identity lists every scheme that has one as an external sign-in provider ("or sign in with").
            .AddPolicyScheme(SelectorScheme, displayName: null, o => o.ForwardDefaultSelector = SelectScheme);
        services.Configure<AuthenticationOptions>(o => o.DefaultScheme = SelectorScheme);
        services.AddAuthorizationBuilder()
            .AddPolicy(OpenAiPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => ScopesAllow(c, ApiKeyScopes.Batches)))
            .AddPolicy(LeasesPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => ScopesAllow(c, ApiKeyScopes.Leases)))
            .AddPolicy(JobsPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => ScopesAllow(c, ApiKeyScopes.Jobs)));
        return services;
    }

    private static string SelectScheme(HttpContext context)
    {
        if (OpenAiApi.IsOpenAiPath(context.Request.Path)) return ApiKeyAuthenticationHandler.SchemeName;
        if ((context.Request.Path.StartsWithSegments(LeaseApi.Base) || context.Request.Path.StartsWithSegments(ScriptJobs.ScriptJobApi.JobsBase))
            && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return ApiKeyAuthenticationHandler.SchemeName;
        return IdentityConstants.ApplicationScheme;
    }

    /// <summary>Cookie callers pass (their role is checked by the services); a key needs Read to read, the area's scope to change.</summary>
    private static bool ScopesAllow(AuthorizationHandlerContext context, ApiKeyScopes area)
    {
        if (context.User.FindFirstValue(ApiKeyAuthenticationHandler.ScopesClaim) is not { } claim) return true;
        var scopes = (ApiKeyScopes)int.Parse(claim);
        if (scopes.HasFlag(area)) return true;
        var method = context.Resource is HttpContext http ? http.Request.Method : "";
        return scopes.HasFlag(ApiKeyScopes.Read) && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method));
    }
}
