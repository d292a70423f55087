using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>Ends a lease early at the tenant's request: cancelling one that has not started, releasing an active one.</summary>
public sealed class LeaseCancelling(
    IDbContextFactory<PortalDbContext> dbFactory, LeaseActor actor, AuditOrigin origin, AuditLog audit, TimeProvider time,
    IOptions<LeaseOptions> options, Notifier notifier, LeaseScheduler scheduler)
{
    private LeaseOptions Options => options.Value;
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Cancels a lease that has not started: a quote (free, any member who may quote), or a signed lease
    /// (Owners and Admins; the cancellation policy says what it costs). Its capacity is free at once.
    /// </summary>
    public async Task<Lease> CancelAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Set<Lease>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        await actor.RequireRoleAsync(found.State == LeaseState.Held ? TenantRole.Member : TenantRole.Admin, "cancel signed leases", ct);

        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Set<Lease>().Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
        var now = Now;
        if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Cancel))
            throw new LeaseException("not_cancellable", lease.State == LeaseState.Active
                ? "This lease is active: release it early instead."
                : $"This lease is {lease.State} and cannot be cancelled.");
        if (lease.State == LeaseState.Held && lease.HoldExpiresAt <= now)
            throw new LeaseException("hold_expired", "This quote has already expired; its capacity is free again.");

        var wasSigned = lease.IsSigned;
        lease.CancellationFeeMicros = wasSigned
            ? CancellationPolicy.FeeMicros(Deals.DealAgreement.CancellationTermsOf(lease, Options), lease.MicrosPerGpuHour, lease.Gpus,
                lease.Start, lease.End, now)
            : 0;
        LeaseCapacity.ReleaseAll(lease);
        await Deals.LeaseOfferStateMachine.WithdrawOpenAsync(db, lease, now, ct);
        LeaseStateMachine.Apply(lease, LeaseAction.Cancel);
        lease.CancelledAt = now;
        lease.HoldExpiresAt = null;
        lease.Events.Add(LeaseEvents.New(lease, now, wasSigned
            ? $"Cancelled before start; cancellation fee {Money.Format(lease.CancellationFeeMicros)}."
            : "Quote discarded; capacity released.", origin.UserName));
        if (wasSigned)
        {
            audit.Add(db, "lease.cancelled", "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId}", lease.TenantId);
            await notifier.AddAsync(db, lease.TenantId, "lease.cancelled", $"Lease cancelled: {lease.Gpus} × {lease.SkuId}",
                $"The lease of {lease.Gpus} × {lease.SkuId} in {lease.RegionId} was cancelled by {origin.UserName ?? "a member"}. " +
                $"Cancellation fee: {Money.Format(lease.CancellationFeeMicros)}.",
                LeaseLinks.Lease(lease.Id), ct: ct);
        }
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: true, notified: wasSigned, ct);
        if (lease.Allocations.Any(a => a.ReservedAt is not null)) scheduler.ReleaseOnPool(lease.Id);
        return lease;
    }

    /// <summary>
    /// Releases an active lease early (Owners and Admins): its allocations end at the current hour, so the
    /// capacity is free at once; the policy bills the hours used and a share of the rest.
    /// </summary>
    public async Task<Lease> ReleaseAsync(Guid leaseId, CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Admin, "release leases", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Set<Lease>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Set<Lease>().Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
        if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Release))
            throw new LeaseException("not_releasable", lease.State is LeaseState.Scheduled or LeaseState.PendingApproval or LeaseState.Provisioning
                ? "This lease has not started: cancel it instead."
                : $"This lease is {lease.State} and cannot be released.");
        var now = Now;
        lease.CancellationFeeMicros = CancellationPolicy.FeeMicros(Deals.DealAgreement.CancellationTermsOf(lease, Options), lease.MicrosPerGpuHour, lease.Gpus,
            lease.Start, lease.End, now);
        LeaseCapacity.EndAllocationsAt(lease, now);
        lease.ReleasedAt = now;
        LeaseStateMachine.Apply(lease, LeaseAction.Release);
        lease.Events.Add(LeaseEvents.New(lease, now,
            $"Released early by {origin.UserName ?? "a member"}; early-release fee {Money.Format(lease.CancellationFeeMicros)}.", origin.UserName));
        audit.Add(db, "lease.released", "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId}", lease.TenantId);
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: true, notified: false, ct);
        scheduler.ReleaseOnPool(lease.Id);
        return lease;
    }
}
