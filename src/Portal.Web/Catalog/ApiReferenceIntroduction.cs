using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Portal.Web.Hosting;

namespace Portal.Web.Catalog;

/// <summary>
/// The OpenAPI document's title and introduction, which the API reference page shows first: the product's name instead
/// of the assembly's ("Portal.Web | v1"), and what a caller needs before the first request (keys, scopes, errors, limits).
/// The limits are the configured ones, so the page never promises other figures than the server enforces.
/// </summary>
public sealed class ApiReferenceIntroduction(IOptions<RateLimitSettings> rateLimits) : IOpenApiDocumentTransformer
{
    public const string Title = "Portal GPU Cloud API";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = Title;
        document.Info.Description = Description(rateLimits.Value.Api);
        return Task.CompletedTask;
    }

    public static string Description(ApiLimits limits) => $"""
        Lease GPU servers, run script jobs on them, send batches to hosted models and read the public catalog.

        **Authentication.** The catalog (`/api/v1/regions`, `/api/v1/gpu-skus`, `/api/v1/models`, `/api/v1/availability`) is public.
        Everything else needs an API key, sent as `Authorization: Bearer sk-portal-…`. An organisation's Owner or Admin creates
        keys under **Organisation → API keys** (`/settings/api-keys`) in the portal; a key is shown once, when it is created.

        **Scopes.** Each key carries scopes: `Read` (read the catalog, leases, jobs, files and batches), `Leases` (quote, sign,
        extend and cancel leases), `Jobs` (launch and cancel script jobs) and `Batches` (upload files, create and cancel batches
        through the OpenAI-compatible `/v1` API). A request outside the key's scopes gets 403.

        **Errors.** Errors are RFC 7807 problem details (`application/problem+json`) with a `title`, a `detail` saying what to
        change and, for bad input, `errors` per field. The OpenAI-compatible `/v1` API answers in OpenAI's error shape instead.

        **Rate limits.** {limits.PerKey:N0} requests per {limits.WindowSeconds} s per API key, {limits.PerUser:N0} per
        {limits.WindowSeconds} s per signed-in user, and {limits.AnonymousPerIp:N0} per {limits.AnonymousWindowSeconds} s per
        address for calls without a key. Past the limit the answer is 429 with a `Retry-After` header.
        """;
}
