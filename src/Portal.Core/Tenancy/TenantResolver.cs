using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>Works out a signed-in user's current organisation from their memberships.</summary>
public sealed class TenantResolver(IDbContextFactory<PortalDbContext> dbFactory)
{
    public const string SupportRole = "Support";

    public async Task ResolveAsync(ClaimsPrincipal principal, CurrentTenant current, CancellationToken ct = default)
    {
        var userId = principal.Identity?.IsAuthenticated == true ? principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        if (userId is null)
        {
            current.Set(null, false, null);
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A user's own memberships across tenants: the one place outside admin services that reads them,
        // and only this user's rows.
        var memberships = await db.Memberships.IgnoreQueryFilters()
            .Where(m => m.UserId == userId)
            .Include(m => m.Tenant)
            .OrderBy(m => m.CreatedAt)
            .ToListAsync(ct);
        // Which one they chose matters only with several (this runs on every request: most users have one).
        var preferred = memberships.Count > 1
            ? await db.Users.Where(u => u.Id == userId).Select(u => u.CurrentTenantId).FirstOrDefaultAsync(ct)
            : null;
        var chosen = memberships.FirstOrDefault(m => m.TenantId == preferred) ?? memberships.FirstOrDefault();
        current.Set(userId, principal.IsInRole(SupportRole), chosen);
    }
}
