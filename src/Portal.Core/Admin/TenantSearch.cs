using Microsoft.EntityFrameworkCore;
using Portal.Core.Tenancy;

namespace Portal.Core.Admin;

/// <summary>Support's tenant search box: which tenants a typed name or slug finds.</summary>
public static class TenantSearch
{
    /// <summary>
    /// Tenants whose name or slug contains <paramref name="text"/> literally, ignoring case. Lower-casing both sides works
    /// alike on SQLite and PostgreSQL; the raw match helps where SQLite's lower() leaves non-ASCII letters alone.
    /// </summary>
    public static IQueryable<Tenant> Matching(this IQueryable<Tenant> tenants, string text)
    {
        var (q, exact) = (LikePattern.Containing(text.ToLowerInvariant()), LikePattern.Containing(text));
        return tenants.Where(t => EF.Functions.Like(t.Name.ToLower(), q, LikePattern.Escape) || EF.Functions.Like(t.Slug, q, LikePattern.Escape)
            || EF.Functions.Like(t.Name, exact, LikePattern.Escape));
    }
}
