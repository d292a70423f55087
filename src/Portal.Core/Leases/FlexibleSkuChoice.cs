using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// Flexible lease requests: tries each acceptable SKU of the region with the planner, as a quote of that SKU would, and chooses by
/// <see cref="SkuChoice.Rule"/>; the hold is an ordinary <see cref="LeaseQuoting"/> hold of the chosen SKU that remembers the set.
/// </summary>
public sealed class FlexibleSkuChoice(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, IOptions<LeaseOptions> options,
    LeaseAvailability availability, LeaseQuoting quoting)
{
    private readonly CapacityPlanner _planner = new();
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Read-only: the set ranked for the request now, or what is wrong with the request or its set. Nothing is held.</summary>
    public async Task<(SkuChoice? Choice, List<SetError> Errors)> ChooseAsync(FlexibleLeaseRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (skus, errors) = await FlexibleSkuSet.ResolveAsync(db, request, options.Value, Now, ct);
        return errors.Count > 0 ? (null, errors) : (await RankAsync(db, request, skus, Now, ct), []);
    }

    /// <summary>The New lease page's live answer: the chosen SKU's price if one fits, else the nearest windows where one does.</summary>
    public async Task<(FitCheck Check, SkuChoice? Choice)> CheckAsync(FlexibleLeaseRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = Now;
        var (skus, errors) = await FlexibleSkuSet.ResolveAsync(db, request, options.Value, now, ct);
        if (errors.Count > 0) return (new FitCheck(false, null, null, [], [], [.. errors.Select(e => e.Message)]), null);
        var choice = await RankAsync(db, request, skus, now, ct);
        if (choice.Chosen is { } chosen) return (new FitCheck(true, chosen.Price, null, [], [], []), choice);
        var (earlier, later) = await SuggestAsync(db, request, choice, now, ct);
        return (new FitCheck(false, choice.Candidates[0].Price, choice.Reason, earlier, later, []), choice);
    }

    /// <summary>
    /// Chooses and holds: the first SKU in the rule's order that fits, or, when someone takes it meanwhile, the next. The hold
    /// records the set and why (its timeline). The same <paramref name="idempotencyKey"/> again returns the same hold (no choice:
    /// it was made then). Bad input is a <see cref="LeaseException"/> (invalid_request); nothing that fits, <see cref="NoCapacityException"/>.
    /// </summary>
    public async Task<(Lease Lease, SkuChoice? Choice)> HoldAsync(FlexibleLeaseRequest request, string? idempotencyKey = null,
        CancellationToken ct = default)
    {
        var now = Now;
        SkuChoice choice;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var (skus, errors) = await FlexibleSkuSet.ResolveAsync(db, request, options.Value, now, ct);
            if (errors.Count > 0) throw LeaseException.Invalid(string.Join(" ", errors.Select(e => e.Message)));
            var key = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
            // A replay answers with the SKU chosen the first time (our own hold may be what now makes it look full).
            if (key is not null && await db.Leases.Where(l => l.QuoteKey == key).Select(l => l.SkuId).FirstOrDefaultAsync(ct) is { } earlier)
                return (await quoting.HoldAsync(request.For(earlier) with { ChosenFrom = SkuChoice.Store(skus.Select(s => s.Id)) }, key, ct), null);
            choice = await RankAsync(db, request, skus, now, ct);
            if (choice.Chosen is null)
            {
                var (before, after) = await SuggestAsync(db, request, choice, now, ct);
                throw new NoCapacityException($"{Counted.Gpus(request.Gpus)} in {request.RegionId}: {choice.Reason}", before, after);
            }
        }
        while (true)
        {
            var chosen = choice.Chosen!;
            try
            {
                var lease = await quoting.HoldAsync(
                    request.For(chosen.SkuId) with { ChosenFrom = choice.Stored, ChoiceNote = choice.Reason }, idempotencyKey, ct);
                return (lease, choice);
            }
            catch (NoCapacityException) when (choice.Taken(chosen.SkuId).Chosen is not null)
            {
                choice = choice.Taken(chosen.SkuId); // taken between our look and our hold: the next in line
            }
        }
    }

    /// <summary>Each acceptable SKU planned on its own pool for the request's window, as a quote of it would be, then ranked.</summary>
    private async Task<SkuChoice> RankAsync(PortalDbContext db, FlexibleLeaseRequest request, List<GpuSku> skus, DateTime now, CancellationToken ct)
    {
        var candidates = new List<SkuCandidate>();
        foreach (var sku in skus)
        {
            var single = request.For(sku.Id);
            if (availability.WholeNodes(request.RegionId) && WholeNodePlacement.Refusal(sku.GpusPerNode, request.Gpus) is not null)
            {
                candidates.Add(SkuChoice.Candidate(sku, request.Gpus, request.Hours, fits: false, freeGpus: 0));
                continue;
            }
            var placement = availability.ToPlacement(single, now);
            var view = await CapacitySnapshot.ViewAsync(db, request.RegionId, sku.Id, placement.Start, placement.End, now, ct);
            var fits = _planner.Plan(view, placement) is Placement;
            candidates.Add(SkuChoice.Candidate(sku, request.Gpus, request.Hours, fits, FreeAllThrough(view, request.RegionId, sku.Id)));
        }
        return SkuChoice.Rank(candidates);
    }

    /// <summary>GPUs of Ready nodes free in every hour of the view (which is exactly the request's window).</summary>
    private static int FreeAllThrough(CapacityView view, string regionId, string skuId) =>
        view.ReadyNodes(regionId, skuId).Sum(i => Math.Max(0, view.GpuCount(i) - view.MaxUsed(i, 0, view.HorizonHours)));

    /// <summary>The nearest windows where any acceptable SKU fits, nearest first on each side.</summary>
    private async Task<(IReadOnlyList<HourWindow> Earlier, IReadOnlyList<HourWindow> Later)> SuggestAsync(
        PortalDbContext db, FlexibleLeaseRequest request, SkuChoice choice, DateTime now, CancellationToken ct)
    {
        List<HourWindow> earlier = [], later = [];
        foreach (var candidate in choice.Candidates)
        {
            var (_, before, after) = await availability.SuggestAsync(db, request.For(candidate.SkuId), now, ct);
            earlier.AddRange(before);
            later.AddRange(after);
        }
        return ([.. earlier.Distinct().OrderByDescending(w => w.Start).Take(3)], [.. later.Distinct().OrderBy(w => w.Start).Take(3)]);
    }
}
