using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Refusals;

namespace Portal.Core.Admin;

/// <summary>
/// Support's edits to the hosted models: prices, the SKU that serves them, where they are deployed, retiring (past
/// batches keep pointing at the row). Every change is audited in the same SaveChanges; a refused edit changes nothing.
/// </summary>
public sealed class ModelAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    public async Task<List<ModelAdminRow>> ListModelsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().Include(m => m.Deployments).ToListAsync(ct);
        return [.. models.OrderBy(m => m.RetiredAt != null).ThenBy(m => m.Kind).ThenBy(m => m.Name)
            .Select(m => new ModelAdminRow(m.Id, m.Name, m.Kind, m.OpenWeights, m.InputMicrosPerMillionTokens, m.OutputMicrosPerMillionTokens,
                m.ServingSkuId, [.. m.Deployments.Select(d => d.RegionId).Order()], m.RetiredAt))];
    }

    public async Task<(ModelForm Form, DateTime? RetiredAt)?> GetModelAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var m = await db.Models.AsNoTracking().Include(m => m.Deployments).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (m is null) return null;
        return (new ModelForm
        {
            Id = m.Id, Name = m.Name, Kind = m.Kind, Description = m.Description, ContextLength = m.ContextLength, OpenWeights = m.OpenWeights,
            Licence = m.Licence, InputPrice = CatalogRules.Dollars(m.InputMicrosPerMillionTokens),
            OutputPrice = CatalogRules.Dollars(m.OutputMicrosPerMillionTokens), ServingSkuId = m.ServingSkuId,
            Deployments = [.. m.Deployments.OrderBy(d => d.RegionId).Select(d => new DeploymentForm { RegionId = d.RegionId, BaseUrl = d.BaseUrl })],
        }, m.RetiredAt);
    }

    public Task<string> CreateModelAsync(ModelForm form, CancellationToken ct = default) => SaveModelAsync(null, form, ct);

    public Task<string> UpdateModelAsync(string id, ModelForm form, CancellationToken ct = default) => SaveModelAsync(id, form, ct);

    private async Task<string> SaveModelAsync(string? existingId, ModelForm form, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        var id = existingId ?? form.Id.Trim();
        var name = form.Name.Trim();
        var description = form.Description.Trim();
        var licence = form.Licence.Trim();
        if (existingId is null && !CatalogRules.ModelIdPattern().IsMatch(id))
            errors[nameof(ModelForm.Id)] = "Use 3 to 80 lower-case letters, digits, dots and hyphens: API callers type it.";
        CatalogFormErrors.Text(errors, nameof(ModelForm.Name), name, "name", 120);
        CatalogFormErrors.Text(errors, nameof(ModelForm.Description), description, "description", 1000);
        CatalogFormErrors.Text(errors, nameof(ModelForm.Licence), licence, "licence", 120);
        if (!Enum.IsDefined(form.Kind)) errors[nameof(ModelForm.Kind)] = "Choose chat or embeddings.";
        CatalogFormErrors.Range(errors, nameof(ModelForm.ContextLength), form.ContextLength, 1, 10_000_000, "Context length");
        var input = CatalogRules.ParseDollars(form.InputPrice, allowZero: true, out var inputError);
        if (inputError is not null) errors[nameof(ModelForm.InputPrice)] = inputError;
        var output = CatalogRules.ParseDollars(form.OutputPrice, allowZero: true, out var outputError);
        if (outputError is not null) errors[nameof(ModelForm.OutputPrice)] = outputError;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = existingId is null ? null : await db.Models.Include(m => m.Deployments).FirstOrDefaultAsync(m => m.Id == existingId, ct);
        if (existingId is not null && model is null) throw ActionRefusedException.NotFound("There is no such model.");
        if (existingId is null && !errors.ContainsKey(nameof(ModelForm.Id)) && await db.Models.AnyAsync(m => m.Id == id, ct))
            errors[nameof(ModelForm.Id)] = $"A model with the id {id} already exists (perhaps retired).";
        var sku = await db.GpuSkus.AsNoTracking().FirstOrDefaultAsync(s => s.Id == form.ServingSkuId, ct);
        // A model already served by a SKU that was retired since may keep it; a new choice must be on sale.
        if (sku is null || (sku.RetiredAt is not null && model?.ServingSkuId != sku.Id))
            errors[nameof(ModelForm.ServingSkuId)] = "Choose a GPU SKU that is on sale.";
        var regions = await db.Regions.AsNoTracking().ToDictionaryAsync(r => r.Id, ct);
        if (DeploymentsError(form.Deployments, regions) is { } deploymentsError) errors[nameof(ModelForm.Deployments)] = deploymentsError;
        if (errors.Count > 0) throw new FieldsRefusedException(errors);

        model ??= db.Models.Add(new HostedModel { Id = id, Name = name, Description = description, Licence = licence, ServingSkuId = sku!.Id }).Entity;
        model.Name = name;
        model.Description = description;
        model.Licence = licence;
        model.Kind = form.Kind;
        model.ContextLength = form.ContextLength;
        model.OpenWeights = form.OpenWeights;
        model.InputMicrosPerMillionTokens = input!.Value;
        model.OutputMicrosPerMillionTokens = output!.Value;
        model.ServingSkuId = sku!.Id;
        // In place by region, as the (ModelId, RegionId) index is unique.
        model.Deployments.RemoveAll(d => !form.Deployments.Any(f => f.RegionId == d.RegionId));
        foreach (var f in form.Deployments)
        {
            if (model.Deployments.FirstOrDefault(d => d.RegionId == f.RegionId) is { } d) d.BaseUrl = f.BaseUrl.Trim();
            else model.Deployments.Add(new ModelDeployment { ModelId = id, RegionId = f.RegionId, BaseUrl = f.BaseUrl.Trim() });
        }
        audit.Add(db, existingId is null ? CatalogActions.ModelCreated : CatalogActions.ModelUpdated, CatalogActions.ModelTarget, id, name);
        await db.SaveChangesAsync(ct);
        return existingId is null ? $"{name} was created." : $"{name} was saved.";
    }

    public async Task<string> SetModelRetiredAsync(string id, bool retire, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await db.Models.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null) throw ActionRefusedException.NotFound("There is no such model.");
        if ((model.RetiredAt is not null) == retire)
            throw ActionRefusedException.Refused($"{model.Name} is already {(retire ? "retired" : "on sale")}. Nothing was changed.");
        model.RetiredAt = retire ? time.GetUtcNow().UtcDateTime : null;
        audit.Add(db, retire ? CatalogActions.ModelRetired : CatalogActions.ModelUnretired, CatalogActions.ModelTarget, id, model.Name, reason: why);
        await db.SaveChangesAsync(ct);
        return retire
            ? $"{model.Name} is retired: it left the catalog but stays on past batches."
            : $"{model.Name} is back in the catalog.";
    }

    private static string? DeploymentsError(List<DeploymentForm> deployments, Dictionary<string, Region> regions)
    {
        if (deployments.Count == 0) return "Deploy the model in at least one region.";
        if (deployments.Any(d => !regions.ContainsKey(d.RegionId))) return "Each deployment needs a known region.";
        if (deployments.GroupBy(d => d.RegionId).Any(g => g.Count() > 1)) return "One deployment per region.";
        foreach (var d in deployments)
        {
            var url = d.BaseUrl.Trim();
            var ok = url == "simulator:" || (url.Length <= 400 && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https");
            if (!ok) return $"The base URL for {d.RegionId} must be an http(s) URL or simulator:.";
        }
        return null;
    }
}
