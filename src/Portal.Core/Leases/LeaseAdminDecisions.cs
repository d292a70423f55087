using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Refusals;

namespace Portal.Core.Leases;

/// <summary>
/// Support's decisions on a tenant's lease: approve or reject one waiting for approval, terminate one that holds
/// capacity. Each is made under the pool lock, audited, notified to the tenant and committed in one transaction; each
/// returns what it did, in words for Support, or throws the refusal (<see cref="ActionRefusedException"/>), changing nothing.
/// </summary>
public sealed class LeaseAdminDecisions(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, AuditOrigin origin, TimeProvider time, Notifier notifier, LeaseScheduler scheduler)
{
    /// <summary>Signed leases that still hold or will hold capacity: what Support may terminate.</summary>
    public static readonly LeaseState[] TerminableStates = LeaseStateMachine.StatesAllowing(LeaseAction.Terminate);

    /// <summary>
    /// Approves a lease waiting for Support: it becomes Scheduled and its provisioning is scheduled (at once
    /// when its start has passed). The tenant is notified.
    /// </summary>
    public Task<string> ApproveAsync(Guid leaseId, CancellationToken ct = default) =>
        DecideAsync(leaseId, capacityChanged: false, async (db, lease, now) =>
        {
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Approve)) throw NotPending(lease);
            if (lease.End <= now)
                throw ActionRefusedException.Refused("This lease's window has already passed: reject it instead. Nothing was changed.");

            // While amended terms wait for the tenant, the state machine refuses this (LeaseOfferStateMachine.ApproveRefusal).
            Record(db, lease, LeaseAction.Approve, now, reason: null, LeaseAdminActions.Approved, "Approved by Support.");
            var sku = await SkuNameAsync(db, lease, ct);
            await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.ApprovalNotification, $"Lease approved: {lease.Gpus} × {sku}",
                $"Support approved your lease of {lease.Gpus} × {sku} in {lease.RegionId} from {Time(lease.Start)} to {Time(lease.End)}. It is scheduled.",
                LeaseLinks.Lease(lease.Id), ct: ct);
        }, (lease, now) =>
        {
            scheduler.LeaseSigned(lease);
            return lease.Start <= now
                ? "Approved. Its start has passed, so provisioning starts now."
                : $"Approved. It is scheduled to start {Time(lease.Start)}.";
        }, ct);

    /// <summary>Rejects a lease waiting for Support, with a reason the tenant sees; its capacity is free again at once.</summary>
    public async Task<string> RejectAsync(Guid leaseId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        return await DecideAsync(leaseId, capacityChanged: true, async (db, lease, now) =>
        {
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Reject)) throw NotPending(lease);

            LeaseCapacity.ReleaseAll(lease);
            await Deals.LeaseOfferStateMachine.WithdrawOpenAsync(db, lease, now, ct);
            Record(db, lease, LeaseAction.Reject, now, why, LeaseAdminActions.Rejected, $"Rejected by Support: {why}");
            var sku = await SkuNameAsync(db, lease, ct);
            await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.ApprovalNotification, $"Lease rejected: {lease.Gpus} × {sku}",
                $"Support rejected your lease of {lease.Gpus} × {sku} in {lease.RegionId} from {Time(lease.Start)} to {Time(lease.End)}: {why} "
                + "Its capacity was released and nothing is charged.", LeaseLinks.Lease(lease.Id), ct: ct);
        }, (lease, _) =>
        {
            if (lease.Allocations.Any(a => a.ReservedAt is not null)) scheduler.ReleaseOnPool(lease.Id);
            return "Rejected. The tenant sees your reason; the capacity is free again.";
        }, ct);
    }

    /// <summary>
    /// Ends any signed lease that holds capacity, with a reason the tenant sees: an active one ends at the current
    /// hour (Ending), one that has not started is cancelled; no fee either way. Its capacity is free at once.
    /// </summary>
    public async Task<string> TerminateAsync(Guid leaseId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        var wasActive = false;
        return await DecideAsync(leaseId, capacityChanged: true, async (db, lease, now) =>
        {
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Terminate))
                throw ActionRefusedException.Refused(lease.State switch
                {
                    LeaseState.Held => "This is an unsigned quote: it holds nothing once it expires. Nothing was changed.",
                    LeaseState.Ending => "This lease is already ending. Nothing was changed.",
                    _ => $"This lease is {LeaseShownState.Of(lease.State, lease.HoldExpiresAt, now)}: there is nothing to terminate. Nothing was changed.",
                });

            wasActive = lease.State == LeaseState.Active;
            LeaseCapacity.EndAllocationsAt(lease, now);
            await Deals.LeaseOfferStateMachine.WithdrawOpenAsync(db, lease, now, ct);
            lease.CancellationFeeMicros = 0; // Support's decision: the tenant pays no fee for it.
            if (wasActive) lease.ReleasedAt = now;
            else lease.CancelledAt = now;
            Record(db, lease, LeaseAction.Terminate, now, why, LeaseAdminActions.Terminated, $"Terminated by Support: {why}");
            var sku = await SkuNameAsync(db, lease, ct);
            await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.TerminatedNotification, $"Lease terminated: {lease.Gpus} × {sku}",
                $"Support terminated your lease of {lease.Gpus} × {sku} in {lease.RegionId}: {why} "
                + (wasActive ? "Its GPUs are being released now." : "It will not start.") + " No cancellation fee is charged.",
                LeaseLinks.Lease(lease.Id), ct: ct);
        }, (lease, _) =>
        {
            scheduler.ReleaseOnPool(lease.Id);
            return wasActive
                ? "Terminated. The lease is ending and its GPUs are being released; the tenant sees your reason."
                : "Terminated. The lease is cancelled and will not start; the tenant sees your reason.";
        }, ct);
    }

    /// <summary>
    /// One decision's frame: reads the lease under its pool's lock, lets <paramref name="decide"/> change it (or throw its
    /// refusal, changing nothing), commits, and only after the commit runs <paramref name="committed"/> (the pool work and the answer).
    /// </summary>
    private async Task<string> DecideAsync(Guid leaseId, bool capacityChanged,
        Func<PortalDbContext, Lease, DateTime, Task> decide, Func<Lease, DateTime, string> committed, CancellationToken ct)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        if (await PoolOfAsync(db, leaseId, ct) is not { } pool) throw ActionRefusedException.NotFound("There is no such lease.");
        var now = time.GetUtcNow().UtcDateTime;
        Lease lease;
        await using (var tx = await PoolTransaction.BeginAsync(db, pool.RegionId, pool.SkuId, ct))
        {
            lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
            await decide(db, lease, now);
            if (!await TryCommitAsync(db, tx, lease, capacityChanged, ct))
                throw ActionRefusedException.Conflict("lease_changed",
                    "The lease changed while you were deciding (a background job moved it). Reload it and try again; nothing was changed.");
        }
        return committed(lease, now);
    }

    /// <summary>Moves the lease, signs the decision with the staff member, and puts it on the timeline and in the audit log.</summary>
    private void Record(PortalDbContext db, Lease lease, LeaseAction action, DateTime now, string? reason, string auditAction, string message)
    {
        LeaseStateMachine.Apply(lease, action);
        lease.DecidedBy = origin.UserName ?? LeaseAdminActions.SupportActor;
        lease.DecidedAt = now;
        lease.DecisionReason = reason;
        lease.Events.Add(new LeaseEvent
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, At = now, State = lease.State,
            Message = message.Length > 1000 ? message[..1000] : message, Actor = LeaseAdminActions.SupportActor,
        });
        audit.Add(db, auditAction, LeaseAdminActions.LeaseTarget, lease.Id.ToString(), LeaseAdminActions.Describe(lease), lease.TenantId, reason);
    }

    private static async Task<(string RegionId, string SkuId)?> PoolOfAsync(PortalDbContext db, Guid leaseId, CancellationToken ct)
    {
        var pool = await db.Leases.AsNoTracking().Where(l => l.Id == leaseId).Select(l => new { l.RegionId, l.SkuId }).FirstOrDefaultAsync(ct);
        return pool is null ? null : (pool.RegionId, pool.SkuId);
    }

    private static async Task<string> SkuNameAsync(PortalDbContext db, Lease lease, CancellationToken ct) =>
        await db.GpuSkus.Where(s => s.Id == lease.SkuId).Select(s => s.Name).FirstOrDefaultAsync(ct) ?? lease.SkuId;

    /// <summary>False when a job changed the lease since it was read (its version moved): nothing is saved.</summary>
    private async Task<bool> TryCommitAsync(PortalDbContext db, IDbContextTransaction tx, Lease lease, bool capacityChanged, CancellationToken ct)
    {
        try
        {
            await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged, notified: true, ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    private static ActionRefusedException NotPending(Lease lease) => ActionRefusedException.Refused(lease.State switch
    {
        LeaseState.Held => "This quote has not been signed yet, so there is nothing to decide. Nothing was changed.",
        _ => $"This lease is {lease.State}, not waiting for approval{(lease.DecidedAt is { } at ? $" (decided {Time(at)})" : "")}. Nothing was changed.",
    });

    private static string Time(DateTime utc) => LeaseAgreement.FormatTime(utc);
}
