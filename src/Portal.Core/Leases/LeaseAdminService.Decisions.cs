using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Admin;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

public sealed partial class LeaseAdminService
{
    /// <summary>
    /// Approves a lease waiting for Support: it becomes Scheduled and its provisioning is scheduled (at once
    /// when its start has passed). The tenant is notified.
    /// </summary>
    public async Task<AdminActionResult> ApproveAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        if (await PoolOfAsync(db, leaseId, ct) is not { } pool) return NoSuchLease;
        var now = Now;
        Lease lease;
        await using (var tx = await PoolTransaction.BeginAsync(db, pool.RegionId, pool.SkuId, ct))
        {
            lease = await db.Leases.Include(l => l.Allocations).FirstAsync(l => l.Id == leaseId, ct);
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Approve)) return NotPending(lease);
            if (lease.End <= now)
                return AdminActionResult.Refused("This lease's window has already passed: reject it instead. Nothing was changed.");

            Decide(lease, LeaseAction.Approve, now, reason: null);
            lease.Events.Add(Event(lease, now, "Approved by Support."));
            audit.Add(db, LeaseAdminActions.Approved, LeaseAdminActions.LeaseTarget, lease.Id.ToString(), Describe(lease), lease.TenantId);
            var sku = await SkuNameAsync(db, lease, ct);
            await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.ApprovalNotification, $"Lease approved: {lease.Gpus} × {sku}",
                $"Support approved your lease of {lease.Gpus} × {sku} in {lease.RegionId} from {Time(lease.Start)} to {Time(lease.End)}. It is scheduled.",
                LeaseLinks.Lease(lease.Id), ct: ct);
            if (!await TryCommitAsync(db, tx, lease, capacityChanged: false, ct)) return ChangedMeanwhile;
        }
        scheduler.LeaseSigned(lease);
        return AdminActionResult.Ok(lease.Start <= now
            ? "Approved. Its start has passed, so provisioning starts now."
            : $"Approved. It is scheduled to start {Time(lease.Start)}.");
    }

    /// <summary>Rejects a lease waiting for Support, with a reason the tenant sees; its capacity is free again at once.</summary>
    public async Task<AdminActionResult> RejectAsync(Guid leaseId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) return AdminActionResult.Refused(error);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        if (await PoolOfAsync(db, leaseId, ct) is not { } pool) return NoSuchLease;
        var now = Now;
        Lease lease;
        await using (var tx = await PoolTransaction.BeginAsync(db, pool.RegionId, pool.SkuId, ct))
        {
            lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Reject)) return NotPending(lease);

            foreach (var a in lease.Allocations) a.Status = AllocationStatus.Released;
            foreach (var am in lease.Amendments.Where(a => a.State == AmendmentState.Held)) am.State = AmendmentState.Cancelled;
            Decide(lease, LeaseAction.Reject, now, why);
            lease.Events.Add(Event(lease, now, $"Rejected by Support: {why}"));
            audit.Add(db, LeaseAdminActions.Rejected, LeaseAdminActions.LeaseTarget, lease.Id.ToString(), Describe(lease), lease.TenantId, why);
            var sku = await SkuNameAsync(db, lease, ct);
            await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.ApprovalNotification, $"Lease rejected: {lease.Gpus} × {sku}",
                $"Support rejected your lease of {lease.Gpus} × {sku} in {lease.RegionId} from {Time(lease.Start)} to {Time(lease.End)}: {why} "
                + "Its capacity was released and nothing is charged.", LeaseLinks.Lease(lease.Id), ct: ct);
            if (!await TryCommitAsync(db, tx, lease, capacityChanged: true, ct)) return ChangedMeanwhile;
        }
        if (lease.Allocations.Any(a => a.ReservedAt is not null)) scheduler.ReleaseOnPool(lease.Id);
        return AdminActionResult.Ok("Rejected. The tenant sees your reason; the capacity is free again.");
    }

    /// <summary>
    /// Ends any signed lease that holds capacity, with a reason the tenant sees: an active one ends at the current
    /// hour (Ending), one that has not started is cancelled; no fee either way. Its capacity is free at once.
    /// </summary>
    public async Task<AdminActionResult> TerminateAsync(Guid leaseId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) return AdminActionResult.Refused(error);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        if (await PoolOfAsync(db, leaseId, ct) is not { } pool) return NoSuchLease;
        var now = Now;
        Lease lease;
        bool wasActive;
        await using (var tx = await PoolTransaction.BeginAsync(db, pool.RegionId, pool.SkuId, ct))
        {
            lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Terminate))
                return AdminActionResult.Refused(lease.State switch
                {
                    LeaseState.Held => "This is an unsigned quote: it holds nothing once it expires. Nothing was changed.",
                    LeaseState.Ending => "This lease is already ending. Nothing was changed.",
                    _ => $"This lease is {ShownState(lease.State, lease.HoldExpiresAt, now)}: there is nothing to terminate. Nothing was changed.",
                });

            wasActive = lease.State == LeaseState.Active;
            LeaseCapacity.EndAllocationsAt(lease, now);
            lease.CancellationFeeMicros = 0; // Support's decision: the tenant pays no fee for it.
            if (wasActive) lease.ReleasedAt = now;
            else lease.CancelledAt = now;
            Decide(lease, LeaseAction.Terminate, now, why);
            lease.Events.Add(Event(lease, now, $"Terminated by Support: {why}"));
            audit.Add(db, LeaseAdminActions.Terminated, LeaseAdminActions.LeaseTarget, lease.Id.ToString(), Describe(lease), lease.TenantId, why);
            var sku = await SkuNameAsync(db, lease, ct);
            await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.TerminatedNotification, $"Lease terminated: {lease.Gpus} × {sku}",
                $"Support terminated your lease of {lease.Gpus} × {sku} in {lease.RegionId}: {why} "
                + (wasActive ? "Its GPUs are being released now." : "It will not start.") + " No cancellation fee is charged.",
                LeaseLinks.Lease(lease.Id), ct: ct);
            if (!await TryCommitAsync(db, tx, lease, capacityChanged: true, ct)) return ChangedMeanwhile;
        }
        scheduler.ReleaseOnPool(lease.Id);
        return AdminActionResult.Ok(wasActive
            ? "Terminated. The lease is ending and its GPUs are being released; the tenant sees your reason."
            : "Terminated. The lease is cancelled and will not start; the tenant sees your reason.");
    }

    private void Decide(Lease lease, LeaseAction action, DateTime now, string? reason)
    {
        LeaseStateMachine.Apply(lease, action);
        lease.DecidedBy = origin.UserName ?? LeaseAdminActions.SupportActor;
        lease.DecidedAt = now;
        lease.DecisionReason = reason;
    }

    private static LeaseEvent Event(Lease lease, DateTime at, string message) => new()
    {
        TenantId = lease.TenantId, LeaseId = lease.Id, At = at, State = lease.State,
        Message = message.Length > 1000 ? message[..1000] : message, Actor = LeaseAdminActions.SupportActor,
    };

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


    private static AdminActionResult NotPending(Lease lease) => AdminActionResult.Refused(lease.State switch
    {
        LeaseState.Held => "This quote has not been signed yet, so there is nothing to decide. Nothing was changed.",
        _ => $"This lease is {lease.State}, not waiting for approval{(lease.DecidedAt is { } at ? $" (decided {Time(at)})" : "")}. Nothing was changed.",
    });

    private static readonly AdminActionResult NoSuchLease = AdminActionResult.Refused("There is no such lease.");
    private static readonly AdminActionResult ChangedMeanwhile =
        AdminActionResult.Refused("The lease changed while you were deciding (a background job moved it). Reload it and try again; nothing was changed.");

    private static string Time(DateTime utc) => LeaseAgreement.FormatTime(utc);
}
