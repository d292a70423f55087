using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Batches;
using Portal.Core.Data;

namespace Portal.Web.Batches;

/// <summary>
/// What checking a batch's input found before it is submitted: the problems by line (as the failed batch would list
/// them), or its requests, its model, and how many lines are over the model's context (those fail alone, uncharged).
/// </summary>
public sealed record BatchInputReport(IReadOnlyList<OpenAiBatchErrorJson> Problems, int Requests, string? Model, int OverContext)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>
/// Checks an input on the new batch page with the validation job's own scan
/// (<see cref="BatchInputScanner.ScanAsync(Stream, string, IReadOnlyDictionary{string, Portal.Core.Catalog.HostedModel}, BatchOptions, CancellationToken)"/>),
/// so the member sees every problem by line before anything is created, and a file that passes here passes there.
/// </summary>
public sealed class BatchInputCheck(IDbContextFactory<PortalDbContext> dbFactory, BatchFileStore store, IOptions<BatchOptions> options)
{
    public async Task<BatchInputReport> CheckStoredAsync(string fileId, string endpoint, CancellationToken ct = default)
    {
        await using var content = store.OpenRead(fileId);
        return await CheckAsync(content, endpoint, ct);
    }

    public async Task<BatchInputReport> CheckAsync(Stream content, string endpoint, CancellationToken ct = default)
    {
        Dictionary<string, Portal.Core.Catalog.HostedModel> models;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            models = await db.Models.AsNoTracking().ToDictionaryAsync(m => m.Id, ct);
        var scan = await BatchInputScanner.ScanAsync(content, endpoint, models, options.Value, ct);
        var problems = scan.Errors.Count == 0 ? []
            : BatchErrorList.Parse(scan.Errors.ToJson()).Select(e => new OpenAiBatchErrorJson(e.Code, e.Message, e.Param, e.Line)).ToList();
        return new(problems, scan.Requests, scan.Model, scan.OverContext);
    }
}
