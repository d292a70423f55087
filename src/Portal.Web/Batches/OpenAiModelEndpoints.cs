using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Web.Batches;

/// <summary>The Models endpoints of <see cref="OpenAiApi"/>: the hosted models a batch may name (retired ones are gone).</summary>
internal static class OpenAiModelEndpoints
{
    internal static async Task<IResult> ListAsync(IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().Where(m => m.RetiredAt == null).OrderBy(m => m.Id).ToListAsync(ct);
        return OpenAiJson.Result(new { @object = "list", data = models.Select(OpenAiJson.Model).ToList() });
    }

    internal static async Task<IResult> GetAsync(string id, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id && m.RetiredAt == null, ct) is { } model
            ? OpenAiJson.Result(OpenAiJson.Model(model))
            : OpenAiError.Create(404, $"The model '{id}' does not exist", "model", "model_not_found");
    }
}
