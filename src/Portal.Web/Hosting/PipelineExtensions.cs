using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MudBlazor.Services;
using Portal.Web.Catalog;
using Portal.Web.Components;
using Portal.Web.Refusals;
using Portal.Web.Tenancy;

namespace Portal.Web.Hosting;

public static class PipelineExtensions
{
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(Portal.Web.Components.Layout.PortalSnackbars.Configure);
        services.AddHttpContextAccessor();
        services.AddProblemDetails();
        return services;
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        app.UseTrustedProxies();
        app.UseSecurityHeaders();
        if (app.Environment.IsDevelopment())
            app.UseMigrationsEndPoint();
        else
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }
        // Browsers get the not-found page; API callers get problem details (see MapPortalUi's fallback) or, on /v1, OpenAI's errors.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            if ((context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/v1"))
                && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
                pages.Enabled = false;
            return next(context);
        });
        app.UseRequestBodyLimits();
        // Files in the top-level wwwroot are outside the static assets manifest.
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UsePortalRateLimits();
        app.UseCsrfProtection();
        app.UseTenantResolution();
        app.UseAuthorization();
        app.UseCatalogPageCache();
        app.UseAntiforgery();
        app.UseRefusalResponses();
        return app;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints();
        app.MapFallback("/api/{**path}", (string? path) =>
            Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no API at /api/{path}."));
        return app;
    }

    /// <summary><c>/healthz</c>: the database and the job storage, as JSON; 503 when either is down.</summary>
    public static WebApplication MapPortalHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(context.Response.Body, new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString(),
                        description = e.Value.Description,
                        data = e.Value.Data,
                    }),
                }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
            },
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }
}
