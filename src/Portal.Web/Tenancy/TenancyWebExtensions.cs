using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Web.Tenancy;

public static class TenancyWebExtensions
{
    /// <summary>What the pages need beyond <c>AddPortalTenancy</c>: each circuit finds its user's tenant.</summary>
    public static IServiceCollection AddPortalTenancyUi(this IServiceCollection services)
    {
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, TenantCircuitHandler>();
        return services;
    }

    /// <summary>Fills in <see cref="CurrentTenant"/> and <see cref="AuditOrigin"/> for every HTTP request.</summary>
    public static IApplicationBuilder UseTenantResolution(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var origin = context.RequestServices.GetRequiredService<AuditOrigin>();
            origin.IpAddress = context.Connection.RemoteIpAddress?.ToString();
            origin.UserAgent = context.Request.Headers.UserAgent.ToString();
            origin.UserId = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
            origin.UserName = context.User.Identity?.Name;
            var current = context.RequestServices.GetRequiredService<CurrentTenant>();
            // An API key (found by the ApiKey scheme) names its tenant and role itself; a signed-in user has memberships.
            if (context.Features.Get<ApiKeyCaller>() is { } caller && context.User.Identity?.IsAuthenticated == true)
                current.SetApiKey(caller);
            else
                await context.RequestServices.GetRequiredService<TenantResolver>().ResolveAsync(context.User, current, context.RequestAborted);
            await next(context);
        });

    /// <summary>The organisation's own JSON API; another tenant's ids are 404 like ids that do not exist.</summary>
    public static WebApplication MapPortalTenancy(this WebApplication app)
    {
        var orgs = app.MapGroup("/api/v1/organizations").RequireAuthorization().WithTags("Organization");
        orgs.MapGet("", async (CurrentTenant tenant, OrganizationService service) =>
            Results.Ok(await service.ListForUserAsync(tenant.UserId!)));
        orgs.MapPost("", async (CreateOrganizationRequest request, CurrentTenant tenant, OrganizationService service) =>
        {
            var created = await service.CreateAsync(tenant.UserId!, request.Name, request.Slug);
            return Results.Created($"/api/v1/organization", new { id = created.Id, name = created.Name, slug = created.Slug });
        });
        orgs.MapPost("/{id:guid}/switch", async (Guid id, CurrentTenant tenant, OrganizationService service) =>
            await service.SwitchAsync(tenant.UserId!, id)
                ? Results.NoContent()
                : Results.Problem(statusCode: 404, title: "Not found", detail: $"You are not a member of organisation {id}."));

        var api = app.MapGroup("/api/v1/organization").RequireAuthorization().WithTags("Organization");

        api.MapGet("", (CurrentTenant tenant) => tenant.TenantId is null
            ? Results.Problem(statusCode: 404, title: "No organisation", detail: "You do not belong to an organisation yet.")
            : Results.Ok(new
            {
                id = tenant.TenantId, name = tenant.TenantName, slug = tenant.TenantSlug, state = tenant.State.ToString(), role = tenant.Role.ToString(),
            }));

        api.MapGet("/members", async (IDbContextFactory<PortalDbContext> dbFactory) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            return Results.Ok(await db.Memberships.OrderBy(m => m.CreatedAt).Select(MemberDto.Projection).ToListAsync());
        });

        api.MapGet("/members/{id:guid}", async (Guid id, IDbContextFactory<PortalDbContext> dbFactory) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var member = await db.Memberships.Where(m => m.Id == id).Select(MemberDto.Projection).FirstOrDefaultAsync();
            return member is null
                ? Results.Problem(statusCode: 404, title: "Not found", detail: $"No member {id} in this organisation.")
                : Results.Ok(member);
        });
        TeamApi.MapTeamApi(api);
        return app;
    }
}

public sealed record CreateOrganizationRequest(string? Name, string? Slug);

public sealed record MemberDto(Guid Id, string UserId, string? Email, string Role, DateTime JoinedAt)
{
    public static readonly System.Linq.Expressions.Expression<Func<Membership, MemberDto>> Projection =
        m => new MemberDto(m.Id, m.UserId, m.User!.Email, m.Role.ToString(), m.CreatedAt);
}
