using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>One acceptable SKU as the chooser ranked it: its total for the request, whether it fits, its GPUs free all through the window.</summary>
public sealed record SkuCandidateJson(string Sku, string SkuName, int MemoryGbPerGpu, bool Fits, int FreeGpus, long TotalMicros, decimal TotalUsd);

/// <summary>A flexible request's choice: the SKU chosen (null when none fits), why, by which rule, and the acceptable SKUs in rank order.</summary>
public sealed record SkuChoiceJson(string? Sku, IReadOnlyList<string> ChosenFrom, string Reason, string Rule, IReadOnlyList<SkuCandidateJson> Candidates)
{
    public static SkuChoiceJson From(SkuChoice c) => new(c.Chosen?.SkuId, c.Stored.Split(','), c.Reason, SkuChoice.Rule,
        [.. c.Candidates.Select(x => new SkuCandidateJson(x.SkuId, x.SkuName, x.MemoryGbPerGpu, x.Fits, x.FreeGpus, x.Price.TotalMicros,
            PriceJson.Usd(x.Price.TotalMicros)))]);
}

/// <summary>
/// /api/v1/leases/quote and /check for a body with <c>skus</c> and/or <c>minGpuMemoryGb</c>: the set is checked field by field
/// (problem details, nothing held), then <see cref="FlexibleSkuChoice"/> chooses and holds, or only answers.
/// </summary>
internal static class FlexibleLeaseEndpoints
{
    public static FlexibleLeaseRequest From(LeaseRequest parsed, LeaseRequestBody body) =>
        new(parsed.RegionId, [.. (body.Skus ?? []).Select(s => s ?? "")], body.MinGpuMemoryGb, parsed.Gpus, parsed.Start, parsed.Hours);

    public static async Task<IResult?> CheckSetAsync(PortalDbContext db, FlexibleLeaseRequest request, LeaseOptions options, DateTime now,
        CancellationToken ct)
    {
        var (_, errors) = await FlexibleSkuSet.ResolveAsync(db, request, options, now, ct);
        return errors.Count == 0 ? null
            : LeaseProblems.Invalid(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToList()));
    }

    public static async Task<IResult> QuoteAsync(FlexibleLeaseRequest request, string? key, PortalDbContext db, FlexibleSkuChoice chooser,
        LeaseQueries leases, IOptions<LeaseOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (await CheckSetAsync(db, request, options.Value, time.GetUtcNow().UtcDateTime, ct) is { } invalid) return invalid;
        var replay = key is not null && await db.Leases.AnyAsync(l => l.QuoteKey == key, ct);
        (Lease Lease, SkuChoice? Choice) held;
        try
        {
            held = await chooser.HoldAsync(request, key, ct);
        }
        catch (DbUpdateException) when (key is not null)
        {
            held = await chooser.HoldAsync(request, key, ct); // the same key raced in twice: answer with the hold saved first
            replay = true;
        }
        var json = new LeaseJson(await leases.GetAsync(held.Lease.Id, ct) ?? held.Lease, time.GetUtcNow().UtcDateTime)
        {
            Choice = held.Choice is { } c ? SkuChoiceJson.From(c) : null,
        };
        return replay ? TypedResults.Ok(json) : TypedResults.Created($"{LeaseApi.Base}/{held.Lease.Id}", json);
    }

    public static async Task<IResult> CheckAsync(FlexibleLeaseRequest request, FlexibleSkuChoice chooser, CancellationToken ct)
    {
        var (fit, choice) = await chooser.CheckAsync(request, ct);
        if (fit.Errors.Count > 0) return LeaseProblems.Invalid("body", string.Join(" ", fit.Errors));
        return TypedResults.Ok(new LeaseCheckJson(fit.Fits, fit.Reason, fit.Price is { } p ? PriceJson.From(p) : null,
            [.. fit.EarlierWindows.Select(WindowJson.From)], [.. fit.LaterWindows.Select(WindowJson.From)], [])
        {
            Choice = choice is null ? null : SkuChoiceJson.From(choice),
        });
    }
}
