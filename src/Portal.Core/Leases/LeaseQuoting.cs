using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Spend;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>Quotes a lease and holds its capacity, in a <see cref="PoolTransaction"/>, refused with a <see cref="LeaseException"/> that says why.</summary>
public sealed class LeaseQuoting(
    IDbContextFactory<PortalDbContext> dbFactory, LeaseActor actor, AuditOrigin origin, TimeProvider time, IOptions<LeaseOptions> options,
    Notifier notifier, QuoteRateLimiter quoteLimiter, LeaseLimits limits, LeaseAvailability availability)
{
    private readonly CapacityPlanner _planner = new();
    private LeaseOptions Options => options.Value;

    /// <summary>
    /// Quotes and holds: checks the tenant, the request, its quota and spend limit, then places the
    /// allocations as a hold for <see cref="LeaseOptions.HoldMinutes"/>. The same <paramref name="idempotencyKey"/>
    /// again returns the same hold.
    /// </summary>
    public async Task<Lease> HoldAsync(LeaseRequest request, string? idempotencyKey = null, CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Member, "quote leases", ct);
        var tenantId = actor.TenantId!.Value;
        var now = time.GetUtcNow().UtcDateTime;
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
        var facts = await LeaseQuoteFacts.ReadAsync(db, tenantId, request, ct);
        actor.EnsureCanSpend(facts?.State, facts?.SuspendedReason);
        if (facts?.SkuName is not { } skuName) throw LeaseException.Invalid($"No GPU type '{request.SkuId}'.");
        if (!facts.RegionOk) throw LeaseException.Invalid($"No region '{request.RegionId}'.");
        if (availability.WholeNodes(request.RegionId) && WholeNodePlacement.Refusal(facts.PerNode, request.Gpus) is { } wholeNodes)
            throw LeaseException.Invalid(wholeNodes);
        var price = LeasePrice.For(facts.OnDemand, facts.Discount ?? 0, request.Gpus, request.Hours);

        // The organisation's turn with the pool's, in one round trip: its limits are checked under both below.
        await using (var tx = await PoolTransaction.BeginWithTenantAsync(db, request.RegionId, request.SkuId, tenantId, ct))
        {
            // Capacity first: when many race for the last GPUs, the losers leave the lock after two reads.
            // (The view already treats expired holds as free; they are released below, before the insert,
            // because the database trigger still counts them.)
            // A "now" request holds an hour more than asked: its window starts when it becomes active (StartOnActivation).
            var reservedEnd = StartOnActivation.ReservedEnd(request, now, Options);
            var (view, expiredHolds) = await CapacitySnapshot.ViewForHoldAsync(db, request.RegionId, request.SkuId, request.Start, reservedEnd, now, ct);
            if (_planner.Plan(view, availability.ToPlacement(request, now)) is not Placement placement)
            {
                await tx.RollbackAsync(ct);
                var (reason, before, after) = await availability.SuggestAsync(db, request, now, ct);
                throw new NoCapacityException(
                    $"{Counted.Gpus(request.Gpus)} of {skuName} in {request.RegionId}: no longer available for that window. {reason}", before, after);
            }
            await limits.CheckAsync(db, tenantId, new QuotaQuestion(request.SkuId, request.Start, reservedEnd), request.Gpus,
                new SpendAddition(request.Start, request.End, request.Gpus, price.MicrosPerGpuHour), ct, tenantLocked: true);
            if (expiredHolds) await LeaseCapacity.ReleaseExpiredHoldsAsync(db, request.RegionId, request.SkuId, now, ct);

            var (start, end) = StartOnActivation.QuotedWindow(request, now);
            var lease = new Lease
            {
                TenantId = tenantId, RegionId = request.RegionId, SkuId = request.SkuId, ChosenFromSkuIds = request.ChosenFrom, Gpus = request.Gpus,
                Start = start, End = end, HoldExpiresAt = now.Add(Options.Hold),
                OnDemandMicrosPerGpuHour = price.OnDemandMicrosPerGpuHour, DiscountBasisPoints = price.DiscountBasisPoints,
                MicrosPerGpuHour = price.MicrosPerGpuHour, PriceMicros = price.TotalMicros,
                NeedsApproval = request.Gpus > Options.ApprovalGpuThreshold || price.TotalMicros > Options.ApprovalMicrosThreshold,
                QuoteKey = idempotencyKey, CreatedByUserId = actor.UserId, CreatedAt = now,
            };
            LeaseStateMachine.Begin(lease);
            foreach (var part in placement.Nodes)
                lease.Allocations.Add(new Allocation
                {
                    LeaseId = lease.Id, NodeId = part.NodeId, RegionId = request.RegionId, SkuId = request.SkuId, Gpus = part.Gpus,
                    Start = request.Start, End = reservedEnd, Status = AllocationStatus.Held, HoldExpiresAt = lease.HoldExpiresAt,
                });
            lease.Events.Add(LeaseEvents.New(lease, now,
                $"Quoted {Money.Format(price.TotalMicros)}; capacity held until {lease.HoldExpiresAt:HH:mm} UTC.", origin.UserName));
            if (request.ChoiceNote is { } note) lease.Events.Add(LeaseEvents.New(lease, now, note, origin.UserName));
            db.Add(lease);
            await PoolTransaction.BumpAsync(db, request.RegionId, request.SkuId, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            notifier.AfterCommit(tenantId, lease.Id, notified: false);
            return lease;
        }
    }

    private static bool SameRequest(Lease l, LeaseRequest r) =>
        l.RegionId == r.RegionId && l.SkuId == r.SkuId && l.ChosenFromSkuIds == r.ChosenFrom && l.Gpus == r.Gpus && l.Hours == r.Hours
        && (l.Start == r.Start || StartOnActivation.IsNow(r.Start, l.Start)); // a "now" quote starts at the second it was asked
}
