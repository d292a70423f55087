using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Refusals;

namespace Portal.Core.Admin;

/// <summary>
/// Support's edits to the GPU SKUs: specs, on-demand price and term discounts, retiring. Retiring never deletes: past
/// leases keep pointing at the row, the public catalog just stops showing it. Every change is audited in the same
/// SaveChanges; a refused edit changes nothing.
/// </summary>
public sealed class SkuAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    public async Task<List<SkuAdminRow>> ListSkusAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = await db.Nodes.GroupBy(n => n.SkuId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var skus = await db.GpuSkus.AsNoTracking().ToListAsync(ct);
        return [.. skus.OrderBy(s => s.RetiredAt != null).ThenBy(s => s.OnDemandMicrosPerGpuHour)
            .Select(s => new SkuAdminRow(s.Id, s.Name, s.GpuModel, s.MemoryGbPerGpu, s.GpusPerNode, s.OnDemandMicrosPerGpuHour,
                s.TermDiscounts.Count, nodes.GetValueOrDefault(s.Id), s.RetiredAt))];
    }

    /// <summary>The SKU as its form shows it (retired ones too), or null.</summary>
    public async Task<(SkuForm Form, DateTime? RetiredAt)?> GetSkuAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var s = await db.GpuSkus.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (s is null) return null;
        return (new SkuForm
        {
            Id = s.Id, Name = s.Name, GpuModel = s.GpuModel, MemoryGbPerGpu = s.MemoryGbPerGpu, GpusPerNode = s.GpusPerNode,
            Interconnect = s.Interconnect, VcpusPerGpu = s.VcpusPerGpu, RamGbPerGpu = s.RamGbPerGpu,
            PricePerGpuHour = CatalogRules.Dollars(s.OnDemandMicrosPerGpuHour),
            Terms = [.. s.TermDiscounts.OrderBy(t => t.MinHours).Select(t => new TermForm { MinHours = t.MinHours, BasisPoints = t.BasisPoints })],
        }, s.RetiredAt);
    }

    public Task<string> CreateSkuAsync(SkuForm form, CancellationToken ct = default) => SaveSkuAsync(null, form, ct);

    public Task<string> UpdateSkuAsync(string id, SkuForm form, CancellationToken ct = default) => SaveSkuAsync(id, form, ct);

    private async Task<string> SaveSkuAsync(string? existingId, SkuForm form, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        var id = existingId ?? form.Id.Trim();
        var name = form.Name.Trim();
        var gpu = form.GpuModel.Trim();
        var link = form.Interconnect.Trim();
        if (existingId is null && !CatalogRules.CodePattern().IsMatch(id))
            errors[nameof(SkuForm.Id)] = "Use 3 to 40 lower-case letters, digits and hyphens, starting and ending with a letter or digit.";
        CatalogFormErrors.Text(errors, nameof(SkuForm.Name), name, "name", 120);
        CatalogFormErrors.Text(errors, nameof(SkuForm.GpuModel), gpu, "GPU model", 80);
        CatalogFormErrors.Text(errors, nameof(SkuForm.Interconnect), link, "interconnect", 120);
        CatalogFormErrors.Range(errors, nameof(SkuForm.MemoryGbPerGpu), form.MemoryGbPerGpu, 1, 1024, "Memory per GPU");
        CatalogFormErrors.Range(errors, nameof(SkuForm.GpusPerNode), form.GpusPerNode, 1, 16, "GPUs per node");
        CatalogFormErrors.Range(errors, nameof(SkuForm.VcpusPerGpu), form.VcpusPerGpu, 1, 256, "vCPUs per GPU");
        CatalogFormErrors.Range(errors, nameof(SkuForm.RamGbPerGpu), form.RamGbPerGpu, 1, 4096, "RAM per GPU");
        var price = CatalogRules.ParseDollars(form.PricePerGpuHour, allowZero: false, out var priceError);
        if (priceError is not null) errors[nameof(SkuForm.PricePerGpuHour)] = priceError;
        if (TermsError(form.Terms) is { } termsError) errors[nameof(SkuForm.Terms)] = termsError;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sku = existingId is null ? null : await db.GpuSkus.FirstOrDefaultAsync(s => s.Id == existingId, ct);
        if (existingId is not null && sku is null) throw ActionRefusedException.NotFound("There is no such SKU.");
        if (existingId is null && !errors.ContainsKey(nameof(SkuForm.Id)) && await db.GpuSkus.AnyAsync(s => s.Id == id, ct))
            errors[nameof(SkuForm.Id)] = $"A SKU with the id {id} already exists (perhaps retired).";
        // Nodes are sized by their SKU and allocations by the nodes: the size of a SKU with nodes is fixed.
        if (sku is not null && sku.GpusPerNode != form.GpusPerNode && await db.Nodes.AnyAsync(n => n.SkuId == sku.Id, ct))
            errors[nameof(SkuForm.GpusPerNode)] = "This SKU has nodes, so its GPUs per node cannot change. Create a new SKU instead.";
        if (errors.Count > 0) throw new FieldsRefusedException(errors);

        sku ??= db.GpuSkus.Add(new GpuSku { Id = id, Name = name, GpuModel = gpu, Interconnect = link }).Entity;
        sku.Name = name;
        sku.GpuModel = gpu;
        sku.Interconnect = link;
        sku.MemoryGbPerGpu = form.MemoryGbPerGpu;
        sku.GpusPerNode = form.GpusPerNode;
        sku.VcpusPerGpu = form.VcpusPerGpu;
        sku.RamGbPerGpu = form.RamGbPerGpu;
        sku.OnDemandMicrosPerGpuHour = price!.Value;
        // Update terms in place by MinHours: deleting and re-adding one would trip the unique (SkuId, MinHours) index.
        sku.TermDiscounts.RemoveAll(t => !form.Terms.Any(f => f.MinHours == t.MinHours));
        foreach (var f in form.Terms)
        {
            if (sku.TermDiscounts.FirstOrDefault(t => t.MinHours == f.MinHours) is { } term) term.BasisPoints = f.BasisPoints;
            else sku.TermDiscounts.Add(new TermDiscount { SkuId = id, MinHours = f.MinHours, BasisPoints = f.BasisPoints });
        }
        audit.Add(db, existingId is null ? CatalogActions.SkuCreated : CatalogActions.SkuUpdated, CatalogActions.SkuTarget, id,
            $"{name} ({Money.Format(sku.OnDemandMicrosPerGpuHour)}/GPU-hour)");
        await db.SaveChangesAsync(ct);
        return existingId is null ? $"{name} was created." : $"{name} was saved.";
    }

    public Task<string> RetireSkuAsync(string id, string? reason, CancellationToken ct = default) => SetSkuRetiredAsync(id, true, reason, ct);

    public Task<string> UnretireSkuAsync(string id, string? reason, CancellationToken ct = default) => SetSkuRetiredAsync(id, false, reason, ct);

    public async Task<string> SetSkuRetiredAsync(string id, bool retire, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sku = await db.GpuSkus.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (sku is null) throw ActionRefusedException.NotFound("There is no such SKU.");
        if ((sku.RetiredAt is not null) == retire)
            throw ActionRefusedException.Refused($"{sku.Name} is already {(retire ? "retired" : "on sale")}. Nothing was changed.");
        sku.RetiredAt = retire ? time.GetUtcNow().UtcDateTime : null;
        audit.Add(db, retire ? CatalogActions.SkuRetired : CatalogActions.SkuUnretired, CatalogActions.SkuTarget, id, sku.Name, reason: why);
        await db.SaveChangesAsync(ct);
        return retire
            ? $"{sku.Name} is retired: it left the catalog but stays on past leases."
            : $"{sku.Name} is back in the catalog.";
    }

    private static string? TermsError(List<TermForm> terms)
    {
        if (terms.Count > CatalogRules.MaxTerms) return $"At most {CatalogRules.MaxTerms} term discounts.";
        if (terms.Any(t => t.MinHours is < 1 or > 8760)) return "Each term's minimum hours must be between 1 and 8760 (a year).";
        if (terms.Any(t => t.BasisPoints is < 0 or > 9000)) return "Each discount must be between 0 and 9000 basis points (0% to 90%).";
        if (terms.GroupBy(t => t.MinHours).Any(g => g.Count() > 1)) return "Two discounts have the same minimum hours; keep one.";
        return null;
    }
}
