using Portal.Web.ApiKeys;

namespace Portal.Web.Hosting;

/// <summary>
/// The JSON API under /api also accepts the sign-in cookie, and SameSite=Lax does not stop a page on another port of
/// the same host (or another subdomain) from posting a form to it. So a state-changing /api request authenticated by
/// the cookie must show it comes from the portal itself: it carries <see cref="HeaderName"/> (a form cannot set a
/// header, and a cross-origin script cannot send one without a CORS preflight, which the portal never grants), and
/// its <c>Origin</c> / <c>Sec-Fetch-Site</c>, when the browser sends them, name the portal's own origin.
/// Requests with an API key carry no ambient credentials and are not checked.
/// </summary>
public static class CsrfProtection
{
    public const string HeaderName = "X-Portal-Request";

    /// <summary>After authentication: it needs to know how the caller signed in.</summary>
    public static WebApplication UseCsrfProtection(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (Refusal(context) is { } reason)
            {
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused", detail: reason)
                    .ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        return app;
    }

    private static string? Refusal(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api")
            || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || context.User.Identity is not { IsAuthenticated: true } identity
            || identity.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName)
            return null;

        if (string.IsNullOrEmpty(request.Headers[HeaderName]))
            return $"Requests that change something with the sign-in cookie must send the header '{HeaderName}: 1' " +
                   "(the portal's pages do). Scripts and tools should use an API key instead (Authorization: Bearer sk-portal-...).";

        var origin = request.Headers.Origin.ToString();
        var own = $"{request.Scheme}://{request.Host}";
        if (origin.Length > 0 && !string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
            return $"The request came from {origin}, not from the portal ({own}).";

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && !string.Equals(site, "same-origin", StringComparison.OrdinalIgnoreCase))
            return $"The browser says the request came from another site or origin (Sec-Fetch-Site: {site}).";
        return null;
    }
}
