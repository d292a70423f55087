using Microsoft.EntityFrameworkCore;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

/// <summary>A live answer to "does it fit?" for the new-lease flow: the price if it does, the nearest windows if not.</summary>
public sealed record FitCheck(bool Fits, LeasePrice? Price, string? Reason, IReadOnlyList<HourWindow> EarlierWindows,
    IReadOnlyList<HourWindow> LaterWindows, IReadOnlyList<string> Errors);

/// <summary>The same window elsewhere: another region or GPU type where it fits now.</summary>
public sealed record LeaseAlternative(string RegionId, string SkuId, string SkuName, LeasePrice Price);

public sealed partial class LeaseService
{
    private const int SuggestionDays = 14;

    /// <summary>Read-only: would the request fit now, at what price; nothing is held.</summary>
    public async Task<FitCheck> CheckAsync(LeaseRequest request, CancellationToken ct = default)
    {
        var now = Now;
        var errors = request.Validate(Options, now);
        if (errors.Count > 0) return new FitCheck(false, null, null, [], [], errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sku = await db.GpuSkus.AsNoTracking().FirstOrDefaultAsync(s => s.Id == request.SkuId && s.RetiredAt == null, ct);
        if (sku is null) return new FitCheck(false, null, null, [], [], [$"No GPU type '{request.SkuId}'."]);
        var price = LeasePrice.For(sku, request.Gpus, request.Hours);
        var view = await CapacitySnapshot.ViewAsync(db, request.RegionId, request.SkuId, request.Start, request.End, now, ct);
        if (_planner.Plan(view, request.ToPlacement()) is Placement) return new FitCheck(true, price, null, [], [], []);
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
            var view = await CapacitySnapshot.ViewAsync(db, alt.RegionId, alt.SkuId, alt.Start, alt.End, Now, ct);
            if (_planner.Plan(view, alt.ToPlacement()) is Placement)
                found.Add(new LeaseAlternative(alt.RegionId, alt.SkuId, skus[alt.SkuId].Name, LeasePrice.For(skus[alt.SkuId], alt.Gpus, alt.Hours)));
        }
        return [.. found.OrderBy(a => a.SkuId == request.SkuId ? 0 : 1).ThenBy(a => a.Price.TotalMicros)];
    }

    /// <summary>
    /// Quotes and holds: checks the tenant, the request, its quota and spend limit, then places the
    /// allocations as a hold for <see cref="LeaseOptions.HoldMinutes"/>. The same <paramref name="idempotencyKey"/>
    /// again returns the same hold.
    /// </summary>
    public async Task<Lease> HoldAsync(LeaseRequest request, string? idempotencyKey = null, CancellationToken ct = default)
    {
        await EnsureRoleAsync(TenantRole.Member, "quote leases", ct);
        var tenantId = tenant.TenantId!.Value;
        var now = Now;
        var errors = request.Validate(Options, now);
        if (errors.Count > 0) throw LeaseException.Invalid(string.Join(" ", errors));
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        if (idempotencyKey is { Length: > 100 }) throw LeaseException.Invalid("The idempotency key may be at most 100 characters.");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (idempotencyKey is not null && await db.Set<Lease>().FirstOrDefaultAsync(l => l.QuoteKey == idempotencyKey, ct) is { } earlier)
            return SameRequest(earlier, request) ? earlier
                : throw new LeaseException("idempotency_key_reused", "This idempotency key was used for a different quote.", 422);
        quoteLimiter.Take(tenantId); // after the idempotent replay: sending the same quote again costs nothing
        // One round trip for what is checked before the lock: the organisation's state, the GPU type, the region.
        // (Scalar subqueries only: SQLite cannot run the APPLY that a multi-column subquery needs.)
        var facts = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => new
        {
            t.State, t.SuspendedReason,
            SkuName = db.GpuSkus.Where(s => s.Id == request.SkuId && s.RetiredAt == null).Select(s => s.Name).FirstOrDefault(),
            OnDemand = db.GpuSkus.Where(s => s.Id == request.SkuId).Select(s => s.OnDemandMicrosPerGpuHour).FirstOrDefault(),
            Discount = db.Set<TermDiscount>().Where(d => d.SkuId == request.SkuId && d.MinHours <= request.Hours).Max(d => (int?)d.BasisPoints),
            RegionOk = db.Regions.Any(r => r.Id == request.RegionId && r.RetiredAt == null),
        }).FirstOrDefaultAsync(ct);
        EnsureCanSpend(facts?.State, facts?.SuspendedReason);
        if (facts?.SkuName is not { } skuName) throw LeaseException.Invalid($"No GPU type '{request.SkuId}'.");
        if (!facts.RegionOk) throw LeaseException.Invalid($"No region '{request.RegionId}'.");
        var price = LeasePrice.For(facts.OnDemand, facts.Discount ?? 0, request.Gpus, request.Hours);

        await using (var tx = await PoolTransaction.BeginAsync(db, request.RegionId, request.SkuId, ct))
        {
            // Capacity first: when many race for the last GPUs, the losers leave the lock after two reads.
            // (The view already treats expired holds as free; they are released below, before the insert,
            // because the database trigger still counts them.)
            var (view, expiredHolds) = await CapacitySnapshot.ViewForHoldAsync(db, request.RegionId, request.SkuId, request.Start, request.End, now, ct);
            if (_planner.Plan(view, request.ToPlacement()) is not Placement placement)
            {
                await tx.RollbackAsync(ct);
                var (reason, before, after) = await SuggestAsync(db, request, now, ct);
                throw new NoCapacityException($"{request.Gpus} × {skuName} in {request.RegionId} are no longer available for that window. {reason}", before, after);
            }
            await CheckLimitsAsync(db, tenantId, new QuotaQuestion(request.SkuId, request.Start, request.End), request.Gpus,
                new SpendAddition(request.Start, request.End, request.Gpus, price.MicrosPerGpuHour), ct);
            if (expiredHolds) await ReleaseExpiredHoldsAsync(db, request.RegionId, request.SkuId, now, ct);

            var lease = new Lease
            {
                TenantId = tenantId, RegionId = request.RegionId, SkuId = request.SkuId, Gpus = request.Gpus,
                Start = request.Start, End = request.End, HoldExpiresAt = now.Add(Options.Hold),
                OnDemandMicrosPerGpuHour = price.OnDemandMicrosPerGpuHour, DiscountBasisPoints = price.DiscountBasisPoints,
                MicrosPerGpuHour = price.MicrosPerGpuHour, PriceMicros = price.TotalMicros,
                NeedsApproval = request.Gpus > Options.ApprovalGpuThreshold || price.TotalMicros > Options.ApprovalMicrosThreshold,
                QuoteKey = idempotencyKey, CreatedByUserId = tenant.UserId, CreatedAt = now,
            };
            LeaseStateMachine.Begin(lease);
            foreach (var part in placement.Nodes)
                lease.Allocations.Add(new Allocation
                {
                    LeaseId = lease.Id, NodeId = part.NodeId, RegionId = request.RegionId, SkuId = request.SkuId, Gpus = part.Gpus,
                    Start = request.Start, End = request.End, Status = AllocationStatus.Held, HoldExpiresAt = lease.HoldExpiresAt,
                });
            lease.Events.Add(Event(lease, now, $"Quoted {Money.Format(price.TotalMicros)}; capacity held until {lease.HoldExpiresAt:HH:mm} UTC.", origin.UserName));
            db.Add(lease);
            await PoolTransaction.BumpAsync(db, request.RegionId, request.SkuId, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            notifier.AfterCommit(tenantId, lease.Id, notified: false);
            return lease;
        }
    }

    private static bool SameRequest(Lease l, LeaseRequest r) =>
        l.RegionId == r.RegionId && l.SkuId == r.SkuId && l.Gpus == r.Gpus && l.Start == r.Start && l.Hours == r.Hours;

    // Outside the pool lock: read-only, over two weeks either side.
    private async Task<(string Reason, IReadOnlyList<HourWindow> Earlier, IReadOnlyList<HourWindow> Later)> SuggestAsync(
        PortalDbContext db, LeaseRequest r, DateTime now, CancellationToken ct)
    {
        var thisHour = CancellationPolicy.FloorHour(now);
        var from = r.Start.AddDays(-SuggestionDays) < thisHour ? thisHour : r.Start.AddDays(-SuggestionDays);
        var latestStart = thisHour.AddDays(Options.MaxStartWeeksAhead * 7);
        var to = r.End.AddDays(SuggestionDays);
        if (to > latestStart.AddHours(r.Hours)) to = latestStart.AddHours(r.Hours);
        if (to < r.End) to = r.End;
        var view = await CapacitySnapshot.ViewAsync(db, r.RegionId, r.SkuId, from, to, now, ct);
        var placement = r.ToPlacement() with { NotBefore = thisHour };
        return _planner.Plan(view, placement) switch
        {
            DoesNotFit d => (d.Reason, d.EarlierWindows, d.LaterWindows),
            Placement => ("It fits again now: quote again.", [], []),
            InvalidRequest i => (i.Message, [], []),
            _ => ("", [], []),
        };
    }
}
