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

/// <summary>How far a lease can be extended on its nodes, and quoting (holding) an extension; <see cref="ExtensionSigning"/> signs it.</summary>
public sealed class LeaseExtending(
    IDbContextFactory<PortalDbContext> dbFactory, LeaseActor actor, AuditOrigin origin, TimeProvider time, IOptions<LeaseOptions> options,
    Notifier notifier, QuoteRateLimiter quoteLimiter, LeaseLimits limits)
{
    /// <summary>The states in which a lease may be extended (quoted, and still when the extension is signed).</summary>
    internal static readonly LeaseState[] ExtendableStates = [LeaseState.PendingApproval, LeaseState.Scheduled, LeaseState.Provisioning, LeaseState.Active];

    private LeaseOptions Options => options.Value;
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// The latest end the lease can be extended to on the same nodes (capped at <see cref="LeaseOptions.MaxHours"/>
    /// past its end); equal to its end when it cannot be extended at all. Null when the lease is not extendable.
    /// </summary>
    public async Task<DateTime?> ExtendableUntilAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lease = await db.Set<Lease>().AsNoTracking().Include(l => l.Allocations).FirstOrDefaultAsync(l => l.Id == leaseId, ct);
        if (lease is null || !ExtendableStates.Contains(lease.State) || lease.Degraded) return null;
        var end = lease.End;
        // Capacity continues where the allocations end: the lease's end, or the whole hour after it for a lease that started on activation.
        var reserved = StartOnActivation.ReservedEnd(lease);
        var tail = TailAllocations(lease, reserved);
        if (tail.Count == 0) return null;
        var now = Now;
        var view = await CapacitySnapshot.ViewAsync(db, lease.RegionId, lease.SkuId, reserved, reserved.AddHours(Options.MaxHours), now, ct);
        // The lease's own held extension quote does not limit how far it can go (a new quote replaces it).
        foreach (var own in lease.Allocations.Where(a => a.Status == AllocationStatus.Held && a.AmendmentId != null && a.HoldExpiresAt > now))
            view.Release(new PlannerAllocation(own.NodeId, own.Gpus, own.Start, own.End));
        var hours = Options.MaxHours;
        foreach (var a in tail)
        {
            var i = view.IndexOf(a.NodeId);
            if (view.Nodes[i].State != NodeState.Ready) return end;
            var h = 0;
            while (h < hours && view.GpuCount(i) - view.UsedAt(i, h) >= a.Gpus) h++;
            hours = h;
        }
        return end.AddHours(hours);
    }

    /// <summary>Quotes an extension by <paramref name="hours"/> on the same nodes and holds it like a quote.</summary>
    public async Task<LeaseAmendment> QuoteExtensionAsync(Guid leaseId, int hours, string? idempotencyKey = null, CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Admin, "extend leases", ct);
        if (hours < 1 || hours > Options.MaxHours) throw LeaseException.Invalid($"Extend by 1 to {Options.MaxHours} hours.");
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Set<Lease>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        if (idempotencyKey is not null && await db.Set<LeaseAmendment>().FirstOrDefaultAsync(a => a.QuoteKey == idempotencyKey, ct) is { } again)
            return again.LeaseId == leaseId && again.Hours == hours ? again
                : throw new LeaseException("idempotency_key_reused", "This idempotency key was used for a different extension.", 422);
        quoteLimiter.Take(found.TenantId);
        await actor.EnsureCanSpendAsync(db, ct);
        var sku = await db.GpuSkus.AsNoTracking().FirstAsync(s => s.Id == found.SkuId, ct);

        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Set<Lease>().Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
        var now = Now;
        if (!ExtendableStates.Contains(lease.State))
            throw new LeaseException("not_extendable", $"This lease is {lease.State} and cannot be extended.");
        if (lease.Degraded) throw new LeaseException("not_extendable", "This lease is degraded; it can be extended once its nodes are healthy.");
        var end = lease.End;
        var reserved = StartOnActivation.ReservedEnd(lease);
        var price = LeasePrice.For(sku, lease.Gpus, hours);
        // An extension holds the lease's GPUs past its end: counted against the quota and the open holds like a quote.
        await limits.CheckAsync(db, lease.TenantId, new QuotaQuestion(lease.SkuId, reserved, reserved.AddHours(hours), ExceptLeaseId: lease.Id), lease.Gpus,
            new SpendAddition(end, end.AddHours(hours), lease.Gpus, price.MicrosPerGpuHour, lease.Id), ct);

        // A new extension quote replaces a held one.
        foreach (var old in lease.Amendments.Where(a => a.State == AmendmentState.Held))
        {
            old.State = AmendmentState.Cancelled;
            foreach (var a in lease.Allocations.Where(a => a.AmendmentId == old.Id)) a.Status = AllocationStatus.Released;
        }
        await db.SaveChangesAsync(ct);
        await LeaseCapacity.ReleaseExpiredHoldsAsync(db, lease.RegionId, lease.SkuId, now, ct);
        var view = await CapacitySnapshot.ViewAsync(db, lease.RegionId, lease.SkuId, reserved, reserved.AddHours(hours), now, ct);
        var amendment = new LeaseAmendment
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, OldEnd = end, NewEnd = end.AddHours(hours), State = AmendmentState.Held,
            HoldExpiresAt = now.Add(Options.Hold), OnDemandMicrosPerGpuHour = price.OnDemandMicrosPerGpuHour,
            DiscountBasisPoints = price.DiscountBasisPoints, MicrosPerGpuHour = price.MicrosPerGpuHour, PriceMicros = price.TotalMicros,
            QuoteKey = idempotencyKey, CreatedAt = now,
        };
        foreach (var a in TailAllocations(lease, reserved))
        {
            var extra = new PlannerAllocation(a.NodeId, a.Gpus, reserved, reserved.AddHours(hours));
            var i = view.IndexOf(a.NodeId);
            if (view.Nodes[i].State != NodeState.Ready || view.MaxUsed(i, 0, hours) + a.Gpus > view.GpuCount(i))
                throw new NoCapacityException($"Node {a.NodeId} is not free for {hours} more hours; see \"extendable until\" on the lease.", [], []);
            view.Commit(extra);
            // db.Add, not the tracked lease's collection: a new entity with its Guid key already set, found through a
            // navigation, would be taken for an existing row and UPDATEd (0 rows: a concurrency exception).
            db.Add(new Allocation
            {
                LeaseId = lease.Id, AmendmentId = amendment.Id, NodeId = a.NodeId, RegionId = lease.RegionId, SkuId = lease.SkuId,
                Gpus = a.Gpus, Start = reserved, End = reserved.AddHours(hours), Status = AllocationStatus.Held, HoldExpiresAt = amendment.HoldExpiresAt,
            });
        }
        db.Add(amendment);
        lease.Events.Add(LeaseEvents.New(lease, now,
            $"Extension by {hours} h quoted at {Money.Format(price.TotalMicros)}; held until {amendment.HoldExpiresAt:HH:mm} UTC.", origin.UserName));
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: true, notified: false, ct);
        return amendment;
    }

    // The allocations that reach the end of the lease's reservation: the ones an extension continues on the same nodes.
    private static List<Allocation> TailAllocations(Lease lease, DateTime end) =>
        lease.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.End == end).ToList();
}
