using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Web.Batches;

namespace Portal.Web.Hosting;

/// <summary>
/// The 429 each door answers, always with Retry-After: problem details on /api, OpenAI's error shape on /v1 (its
/// SDKs wait and retry on it), and a short page for the account forms.
/// </summary>
internal static class RateLimitRefusal
{
    public static async ValueTask WriteAsync(OnRejectedContext rejected, RateLimits.Door door, CancellationToken ct)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? retryAfter
            : RateLimits.WindowOf(door, context.RequestServices.GetRequiredService<IOptions<RateLimitSettings>>().Value);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        if (door == RateLimits.Door.Api)
        {
            var message = $"Too many requests. Try again in {seconds} seconds.";
            var result = OpenAiApi.IsOpenAiPath(context.Request.Path)
                ? OpenAiError.Create(StatusCodes.Status429TooManyRequests, message, code: "rate_limit_exceeded", type: "requests")
                : Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: message);
            await result.ExecuteAsync(context);
            return;
        }

        var what = door switch
        {
            RateLimits.Door.SignIn => "sign-in attempts",
            RateLimits.Door.Register => "sign-ups",
            _ => "password and confirmation e-mail requests",
        };
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Page(what, Wait(seconds), context.Request.Path), ct);
    }

    private static string Wait(int seconds) =>
        seconds < 90 ? $"{seconds} seconds" : $"{(int)Math.Ceiling(seconds / 60.0)} minutes";

    private static string Page(string what, string wait, string path) =>
        $"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" />
        <title>Too many attempts - Portal</title><link rel="stylesheet" href="/account.css" /></head>
        <body>
        <main>
        <h1>Too many attempts</h1>
        <p>There were too many {what} from your network or for this account, so the portal is pausing them to keep
        accounts safe. Nothing was changed.</p>
        <p>Try again in {wait}.</p>
        <p><a href="{WebUtility.HtmlEncode(path)}">Back to the form</a></p>
        </main>
        </body>
        </html>
        """;
}
