using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Refusals;

namespace Portal.Core.Admin;

/// <summary>
/// Support's edits to the regions: create, rename, retire (a retired region takes no new leases; nothing is deleted).
/// Every change is audited in the same SaveChanges; a refused edit changes nothing.
/// </summary>
public sealed class RegionAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    public async Task<List<RegionAdminRow>> ListRegionsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = await db.Nodes.GroupBy(n => n.RegionId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var regions = await db.Regions.AsNoTracking().ToListAsync(ct);
        return [.. regions.OrderBy(r => r.RetiredAt != null).ThenBy(r => r.Id)
            .Select(r => new RegionAdminRow(r.Id, r.Name, nodes.GetValueOrDefault(r.Id), r.RetiredAt))];
    }

    /// <summary>Creates a region when <paramref name="existingId"/> is null, otherwise renames it.</summary>
    public async Task<string> SaveRegionAsync(string? existingId, string id, string name, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string>();
        id = existingId ?? id.Trim();
        name = name.Trim();
        if (existingId is null && !CatalogRules.CodePattern().IsMatch(id))
            errors["Id"] = "Use 3 to 40 lower-case letters, digits and hyphens, e.g. us-west-1.";
        CatalogFormErrors.Text(errors, "Name", name, "name", 120);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var region = existingId is null ? null : await db.Regions.FirstOrDefaultAsync(r => r.Id == existingId, ct);
        if (existingId is not null && region is null) throw ActionRefusedException.NotFound("There is no such region.");
        if (existingId is null && !errors.ContainsKey("Id") && await db.Regions.AnyAsync(r => r.Id == id, ct))
            errors["Id"] = $"A region with the code {id} already exists (perhaps retired).";
        if (errors.Count > 0) throw new FieldsRefusedException(errors);

        var oldName = region?.Name;
        if (region is null) db.Regions.Add(new Region { Id = id, Name = name });
        else region.Name = name;
        audit.Add(db, region is null ? CatalogActions.RegionCreated : CatalogActions.RegionRenamed, CatalogActions.RegionTarget, id,
            oldName is null || oldName == name ? name : $"{oldName} → {name}");
        await db.SaveChangesAsync(ct);
        return region is null ? $"Region {id} was created." : $"Region {id} is now called {name}.";
    }

    public async Task<string> SetRegionRetiredAsync(string id, bool retire, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var region = await db.Regions.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (region is null) throw ActionRefusedException.NotFound("There is no such region.");
        if ((region.RetiredAt is not null) == retire)
            throw ActionRefusedException.Refused($"{region.Name} is already {(retire ? "retired" : "open")}. Nothing was changed.");
        region.RetiredAt = retire ? time.GetUtcNow().UtcDateTime : null;
        audit.Add(db, retire ? CatalogActions.RegionRetired : CatalogActions.RegionUnretired, CatalogActions.RegionTarget, id, region.Name, reason: why);
        await db.SaveChangesAsync(ct);
        return (retire ? $"{region.Name} is retired: it takes no new leases." : $"{region.Name} is open again.");
    }
}
