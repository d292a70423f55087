using System.Security.Cryptography;

namespace Portal.Web.Hosting;

/// <summary>
/// Headers on every response: no MIME sniffing, no referrer to other sites, and a Content-Security-Policy that
/// lets pages run only the portal's own scripts (plus inline scripts carrying this response's nonce) and forbids
/// framing (clickjacking). Set when the response starts, so error pages and refusals get them too.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "portal:csp-nonce";

    /// <summary>
    /// Pages: Blazor Server needs its websocket ('self' covers ws/wss in CSP 3) and MudBlazor sets style attributes,
    /// so styles allow inline; scripts do not: App.razor's import map carries the nonce.
    /// </summary>
    private static string PagePolicy(string nonce) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonce}'; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; " +
        "font-src 'self' data:; " +
        "connect-src 'self'; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        "form-action 'self'; " +
        "frame-ancestors 'none'";

    /// <summary>
    /// The Scalar API reference starts itself with an inline module script holding its settings (the portal's own,
    /// no user content), which Scalar renders without a nonce: only this page allows inline scripts. Its fonts come from
    /// Scalar's font server when the machine is online.
    /// </summary>
    private const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data: https://fonts.scalar.com; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>JSON answers are never documents: nothing may load from them and nothing may frame them.</summary>
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>This response's script nonce, for inline scripts a page must render (App.razor's import map).</summary>
    public static string Nonce(HttpContext context)
    {
        if (context.Items[NonceKey] is string nonce) return nonce;
        // Hex: nothing in it is HTML-encoded in the attribute, and CSP accepts it as a nonce.
        nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = PolicyFor(context);
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    private static string PolicyFor(HttpContext context)
    {
        // Read when the response starts: a re-executed not-found page is a page, whatever was asked for.
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api/docs")) return ApiReferencePolicy;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/v1")) return ApiPolicy;
        return PagePolicy(Nonce(context));
    }
}
