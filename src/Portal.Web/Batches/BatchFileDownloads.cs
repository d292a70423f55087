using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Data;

namespace Portal.Web.Batches;

/// <summary>
/// The batch pages' downloads for the signed-in member's browser (cookie): a batch's input, output and error files,
/// streamed from the store, and the example files. The tenant filter makes another organisation's batch exactly as
/// absent as one that never existed: 404. So is a file the retention job (or the API) deleted.
/// </summary>
public static class BatchFileDownloads
{
    public const string ContentType = "application/jsonl";

    public static WebApplication MapBatchFileDownloads(this WebApplication app)
    {
        // Examples hold nothing of anyone's: the catalog's model names only.
        app.MapGet("/batches/example/{slug}.jsonl", ExampleAsync).AllowAnonymous().ExcludeFromDescription();
        var batch = app.MapGroup("/batches/{id}").RequireAuthorization().ExcludeFromDescription();
        batch.MapGet("/input.jsonl", (string id, BatchService batches, BatchFileService files, CancellationToken ct) =>
            FileAsync(batches, files, id, b => b.InputFileId, ct));
        batch.MapGet("/output.jsonl", (string id, BatchService batches, BatchFileService files, CancellationToken ct) =>
            FileAsync(batches, files, id, b => b.OutputFileId, ct));
        batch.MapGet("/errors.jsonl", (string id, BatchService batches, BatchFileService files, CancellationToken ct) =>
            FileAsync(batches, files, id, b => b.ErrorFileId, ct));
        return app;
    }

    /// <summary>Streams the file under its own name (the upload's, or <c>batch_..._output.jsonl</c> as the runner names it).</summary>
    private static async Task<IResult> FileAsync(BatchService batches, BatchFileService files, string id, Func<Batch, string?> fileOf, CancellationToken ct)
    {
        if (await batches.GetAsync(id, ct) is not { } batch || fileOf(batch) is not { } fileId) return Results.NotFound();
        if (await files.OpenAsync(fileId, ct) is not { } opened) return Results.NotFound();
        var (file, content) = opened;
        return Results.Stream(content, ContentType, file.Filename, lastModified: file.CreatedAt);
    }

    private static async Task<IResult> ExampleAsync(string slug, string? model, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        if (BatchUi.EndpointOfSlug(slug) is not { } endpoint) return Results.NotFound();
        var models = await BatchExamples.ModelsForAsync(dbFactory, endpoint, ct);
        var chosen = models.FirstOrDefault(m => m.Id == model) ?? models.FirstOrDefault();
        if (chosen is null) return Results.NotFound();
        return Results.File(System.Text.Encoding.UTF8.GetBytes(BatchExamples.Jsonl(endpoint, chosen.Id)), ContentType, $"{slug}.jsonl");
    }
}
