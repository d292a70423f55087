using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Capacity;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

/// <summary>A live answer to "does it fit?" for the new-lease flow: the price if it does, the nearest windows if not.</summary>
public sealed record FitCheck(bool Fits, LeasePrice? Price, string? Reason, IReadOnlyList<HourWindow> EarlierWindows,
    IReadOnlyList<HourWindow> LaterWindows, IReadOnlyList<string> Errors);

/// <summary>The same window elsewhere: another region or GPU type where it fits now.</summary>
public sealed record LeaseAlternative(string RegionId, string SkuId, string SkuName, LeasePrice Price);

/// <summary>Read-only answers about where and when a lease request fits; nothing is held.</summary>
public sealed class LeaseAvailability(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, IOptions<LeaseOptions> options,
    IOptions<PoolOptions> pool)
{
    private const int SuggestionDays = 14;
    private readonly CapacityPlanner _planner = new();
    private LeaseOptions Options => options.Value;
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Read-only: would the request fit now, at what price; nothing is held.</summary>
    public async Task<FitCheck> CheckAsync(LeaseRequest request, CancellationToken ct = default)
    {
        var now = Now;
        var errors = request.Validate(Options, now);
        if (errors.Count > 0) return new FitCheck(false, null, null, [], [], errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sku = await db.GpuSkus.AsNoTracking().FirstOrDefaultAsync(s => s.Id == request.SkuId && s.RetiredAt == null, ct);
        if (sku is null) return new FitCheck(false, null, null, [], [], [$"No GPU type '{request.SkuId}'."]);
        if (WholeNodes(request.RegionId) && WholeNodePlacement.Refusal(sku.GpusPerNode, request.Gpus) is { } wholeNodes)
            return new FitCheck(false, null, null, [], [], [wholeNodes]);
        var price = LeasePrice.For(sku, request.Gpus, request.Hours);
        var reservedEnd = StartOnActivation.ReservedEnd(request, now, Options);
        var view = await CapacitySnapshot.ViewAsync(db, request.RegionId, request.SkuId, request.Start, reservedEnd, now, ct);
        if (_planner.Plan(view, ToPlacement(request, now)) is Placement) return new FitCheck(true, price, null, [], [], []);
        var (reason, earlier, later) = await SuggestAsync(db, request, now, ct);
        return new FitCheck(false, price, reason, earlier, later, []);
    }

    /// <summary>The same window in other regions and GPU types, where it fits now, cheapest first.</summary>
    public async Task<List<LeaseAlternative>> AlternativesAsync(LeaseRequest request, CancellationToken ct = default)
    {
        if (request.Validate(Options, Now).Count > 0) return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pools = await db.Nodes.AsNoTracking().Where(n => n.Sku!.RetiredAt == null && n.Region!.RetiredAt == null)
            .Select(n => new { n.RegionId, n.SkuId }).Distinct().ToListAsync(ct);
        var skus = await db.GpuSkus.AsNoTracking().Where(s => s.RetiredAt == null).ToDictionaryAsync(s => s.Id, ct);
        var found = new List<LeaseAlternative>();
        foreach (var pool in pools.Where(p => !(p.RegionId == request.RegionId && p.SkuId == request.SkuId) && skus.ContainsKey(p.SkuId)))
        {
            var alt = request with { RegionId = pool.RegionId, SkuId = pool.SkuId };
            var now = Now;
            var reservedEnd = StartOnActivation.ReservedEnd(alt, now, Options);
            var view = await CapacitySnapshot.ViewAsync(db, alt.RegionId, alt.SkuId, alt.Start, reservedEnd, now, ct);
            if (_planner.Plan(view, ToPlacement(alt, now)) is Placement)
                found.Add(new LeaseAlternative(alt.RegionId, alt.SkuId, skus[alt.SkuId].Name, LeasePrice.For(skus[alt.SkuId], alt.Gpus, alt.Hours)));
        }
        return [.. found.OrderBy(a => a.SkuId == request.SkuId ? 0 : 1).ThenBy(a => a.Price.TotalMicros)];
    }

    /// <summary>
    /// The request as the planner takes it at <paramref name="now"/>: whole nodes only in a region whose pool reserves whole
    /// nodes, and a "now" request with the spare hour it reserves (<see cref="StartOnActivation"/>).
    /// </summary>
    internal PlacementRequest ToPlacement(LeaseRequest request, DateTime now) =>
        request.ToPlacement(WholeNodes(request.RegionId)) with { End = StartOnActivation.ReservedEnd(request, now, Options) };

    internal bool WholeNodes(string regionId) => pool.Value.WholeNodesOnly(regionId);

    /// <summary>Why the request does not fit and the nearest windows that do. Outside the pool lock: read-only, over two weeks either side.</summary>
    internal async Task<(string Reason, IReadOnlyList<HourWindow> Earlier, IReadOnlyList<HourWindow> Later)> SuggestAsync(
        PortalDbContext db, LeaseRequest r, DateTime now, CancellationToken ct)
    {
        var thisHour = CancellationPolicy.FloorHour(now);
        var from = r.Start.AddDays(-SuggestionDays) < thisHour ? thisHour : r.Start.AddDays(-SuggestionDays);
        var latestStart = thisHour.AddDays(Options.MaxStartWeeksAhead * 7);
        var to = r.End.AddDays(SuggestionDays);
        if (to > latestStart.AddHours(r.Hours)) to = latestStart.AddHours(r.Hours);
        if (to < r.End) to = r.End;
        var view = await CapacitySnapshot.ViewAsync(db, r.RegionId, r.SkuId, from, to, now, ct);
        var placement = ToPlacement(r, now) with { NotBefore = thisHour };
        return _planner.Plan(view, placement) switch
        {
            DoesNotFit d => (d.Reason, d.EarlierWindows, d.LaterWindows),
            Placement => ("It fits again now: quote again.", [], []),
            InvalidRequest i => (i.Message, [], []),
            _ => ("", [], []),
        };
    }
}
