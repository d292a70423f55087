using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Refusals;

namespace Portal.Core.Tenancy;

public sealed record OrganizationSummary(Guid TenantId, string Name, string Slug, TenantRole Role, TenantState State);

/// <summary>Creating organisations and switching between the ones a user belongs to.</summary>
public sealed partial class OrganizationService(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, AuditLog audit)
{
    private static readonly HashSet<string> ReservedSlugs = ["admin", "api", "account", "support", "portal", "new", "settings", "v1", "dev"];

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")]
    private static partial Regex SlugPattern();

    /// <summary>Suggests a slug from a name: "Acme AI, Inc." becomes "acme-ai-inc".</summary>
    public static string SuggestSlug(string name)
    {
        var slug = Regex.Replace(name.Trim().ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
        return slug.Length > 40 ? slug[..40].TrimEnd('-') : slug;
    }

    /// <summary>Validation messages keyed by field (<c>Name</c>, <c>Slug</c>); empty when the values are acceptable.</summary>
    public async Task<Dictionary<string, string>> ValidateAsync(string? name, string? slug, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string>();
        name = name?.Trim();
        slug = slug?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length < 2 || name.Length > 100)
            errors["Name"] = "Enter a name of 2 to 100 characters.";
        else if (NameRules.Problem(name) is { } problem)
            errors["Name"] = problem;
        if (string.IsNullOrEmpty(slug) || !SlugPattern().IsMatch(slug))
            errors["Slug"] = "Use 1 to 40 lower-case letters, digits and hyphens, not starting or ending with a hyphen.";
        else if (ReservedSlugs.Contains(slug))
            errors["Slug"] = $"\"{slug}\" is reserved. Choose another.";
        else
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (await db.Tenants.AnyAsync(t => t.Slug == slug, ct))
                errors["Slug"] = $"\"{slug}\" is taken. Choose another.";
        }
        return errors;
    }

    /// <summary>
    /// Creates an organisation with <paramref name="userId"/> as its Owner and makes it their current one; bad values are
    /// a <see cref="FieldsRefusedException"/> (see <see cref="ValidateAsync"/>).
    /// </summary>
    public async Task<Tenant> CreateAsync(string userId, string? name, string? slug, CancellationToken ct = default)
    {
        var errors = await ValidateAsync(name, slug, ct);
        if (errors.Count > 0) throw new FieldsRefusedException(errors);

        var now = time.GetUtcNow().UtcDateTime;
        var tenant = new Tenant { Name = name!.Trim(), Slug = slug!.Trim(), CreatedAt = now };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ForTenant(tenant.Id);
        db.Tenants.Add(tenant);
        db.Memberships.Add(new Membership { UserId = userId, Role = TenantRole.Owner, CreatedAt = now });
        var user = await db.Users.SingleAsync(u => u.Id == userId, ct);
        user.CurrentTenantId = tenant.Id;
        audit.Add(db, "tenant.created", "Tenant", tenant.Id.ToString(), tenant.Name, tenant.Id);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // Most likely lost a race for the slug with another sign-up; say so only if that is what happened.
            if (!await SlugTakenAsync(slug!, ct)) throw;
            throw new FieldsRefusedException(new Dictionary<string, string> { ["Slug"] = $"\"{slug}\" is taken. Choose another." });
        }
        return tenant;
    }

    private async Task<bool> SlugTakenAsync(string slug, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Tenants.AnyAsync(t => t.Slug == slug, ct);
    }

    /// <summary>The organisations a user belongs to, for the switcher.</summary>
    public async Task<List<OrganizationSummary>> ListForUserAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Only this user's own memberships, across tenants: what the switcher must show.
        return await db.Memberships.IgnoreQueryFilters()
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.Tenant!.Name)
            .Select(m => new OrganizationSummary(m.TenantId, m.Tenant!.Name, m.Tenant.Slug, m.Role, m.Tenant.State))
            .ToListAsync(ct);
    }

    /// <summary>Makes <paramref name="tenantId"/> the user's current organisation; false when they are not a member.</summary>
    public async Task<bool> SwitchAsync(string userId, Guid tenantId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var isMember = await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == userId && m.TenantId == tenantId, ct);
        if (!isMember) return false;
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.CurrentTenantId, tenantId), ct);
        return true;
    }
}
