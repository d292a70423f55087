using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Portal.Web.Hosting;

namespace Portal.Web.Catalog;

/// <summary>
/// Serves a visitor's GET of a public catalog page (<c>/catalog/…</c>) from <see cref="CatalogPageCache"/> when the catalog's
/// change stamp still reads as it did when the page was rendered, and keeps what it renders otherwise. Not ASP.NET Core's
/// output cache: its key would need a database read per request anyway, and a kept page must get each response's own CSP
/// nonce. Kept only: a 200 HTML page, to a request with no signed-in user, that sets no cookie.
/// </summary>
public static class CatalogPageCacheMiddleware
{
    public static IServiceCollection AddCatalogPageCache(this IServiceCollection services)
    {
        services.AddSingleton<CatalogPageCache>();
        services.AddScoped<CatalogChangeStamp>();
        services.AddSingleton<CatalogReadCache>();
        services.AddScoped<CachedCatalog>();
        return services;
    }

    /// <summary>After authentication (it must know who is signed in) and before the pages.</summary>
    public static IApplicationBuilder UseCatalogPageCache(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IConfiguration>().GetValue(EnabledSetting, true) ? app.Use(ServeOrKeepAsync) : app;

    /// <summary>On by default; false renders every visitor's page (to measure what the cache saves).</summary>
    public const string EnabledSetting = "Catalog:VisitorPageCache";

    private static async Task ServeOrKeepAsync(HttpContext context, RequestDelegate next)
    {
        if (!Applies(context))
        {
            await next(context);
            return;
        }
        var cache = context.RequestServices.GetRequiredService<CatalogPageCache>();
        var stamps = context.RequestServices.GetRequiredService<CatalogChangeStamp>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var ct = context.RequestAborted;
        var stamp = await stamps.ReadAsync(ct);
        var key = KeyOf(context.Request);
        var now = time.GetUtcNow().UtcDateTime;
        if (cache.Find(key, stamp, now) is { } kept)
        {
            await WriteAsync(context, kept);
            return;
        }

        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try { await next(context); }
        finally { context.Response.Body = body; }
        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status200OK && SetsOnlyTheAntiforgeryCookie(context)
            && response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
            && context.User.Identity?.IsAuthenticated != true && !ContainsAFormToken(buffer))
            cache.Keep(key, stamp, await stamps.ValidUntilAsync(now, ct), KeptHeaders(response), buffer.ToArray(), SecurityHeaders.Nonce(context));
        buffer.Position = 0;
        await buffer.CopyToAsync(body, ct);
    }

    // Blazor's endpoint makes every first-time visitor an antiforgery cookie, page with a form or not (ASP.NET Core's output
    // cache refuses such responses, so it would keep a page only from a visitor's second request on). The kept body carries no
    // token (ContainsAFormToken), so keeping it hands nobody's token to anyone; a hit sets no cookie, and a page with a form
    // makes its visitor one when they get there. Any other cookie means the response is that visitor's own.
    private static bool SetsOnlyTheAntiforgeryCookie(HttpContext context)
    {
        var antiforgery = context.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.Name ?? "";
        return context.Response.Headers.SetCookie.All(c => antiforgery.Length > 0 && c?.StartsWith(antiforgery + "=", StringComparison.Ordinal) == true);
    }

    // What the page said besides its body (content type, blazor-enhanced-nav, no-store), not what is this response's or this
    // visitor's own (cookies, dates, lengths); the security headers are set anew when a response starts.
    private static KeyValuePair<string, StringValues>[] KeptHeaders(HttpResponse response) =>
    [
        .. response.Headers.Where(h => !NotKept.Contains(h.Key)).Select(h => h),
    ];

    private static readonly HashSet<string> NotKept = new(StringComparer.OrdinalIgnoreCase)
    {
        "Set-Cookie", "Date", "Server", "Content-Length", "Transfer-Encoding", "Content-Security-Policy",
    };

    private static bool ContainsAFormToken(MemoryStream body) =>
        body.GetBuffer().AsSpan(0, (int)body.Length).IndexOf("__RequestVerificationToken"u8) >= 0;

    private static bool Applies(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) && context.Request.Path.StartsWithSegments("/catalog")
        && context.User.Identity?.IsAuthenticated != true;

    // The page's address, and what else of the request changes its HTML: the theme cookie and enhanced navigation's fetch.
    private static string KeyOf(HttpRequest request)
    {
        var dark = request.Cookies[Components.ThemeCookie.Name] == "dark" ? "dark" : "light";
        var enhanced = request.Headers.Accept.ToString().Contains("blazor-enhanced-nav", StringComparison.Ordinal) ? "enhanced" : "document";
        return $"{request.Host}{request.PathBase}{request.Path}{request.QueryString}|{dark}|{enhanced}";
    }

    private static async Task WriteAsync(HttpContext context, CatalogPageCache.KeptPage page)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        foreach (var (name, value) in page.Headers) response.Headers[name] = value;
        // This response's own nonce, the one SecurityHeaders puts in its CSP header.
        var nonce = System.Text.Encoding.ASCII.GetBytes(SecurityHeaders.Nonce(context));
        response.ContentLength = page.Pieces.Sum(p => (long)p.Length) + (page.Pieces.Length - 1L) * nonce.Length;
        for (var i = 0; i < page.Pieces.Length; i++)
        {
            if (i > 0) await response.Body.WriteAsync(nonce, context.RequestAborted);
            await response.Body.WriteAsync(page.Pieces[i], context.RequestAborted);
        }
    }
}
