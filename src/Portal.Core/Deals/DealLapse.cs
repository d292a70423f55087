using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Deals;

/// <summary>
/// Amended terms the tenant left unanswered past their deadline: the lease expires and its capacity is released, so a
/// counter-offer never holds GPUs indefinitely. Run by the minutely <see cref="LeaseLifecycleJob"/>; idempotent.
/// </summary>
public static class DealLapse
{
    public static Task<List<Guid>> DueAsync(PortalDbContext db, DateTime now, CancellationToken ct) =>
        db.Leases.IgnoreQueryFilters().Where(l => l.State == LeaseState.PendingApproval && l.OfferDueAt <= now).Select(l => l.Id).ToListAsync(ct);

    public static Task LapseAsync(LeaseTransitions transitions, Guid leaseId, CancellationToken ct) =>
        transitions.ChangeAsync(leaseId, async c =>
        {
            var lease = c.Lease;
            if (!LeaseStateMachine.Allows(lease.State, LeaseAction.LapseTerms) || lease.OfferDueAt is not { } due || due > c.Now) return false;
            await c.Db.Entry(lease).Collection(l => l.Offers).LoadAsync(ct);
            foreach (var offer in lease.Offers.Where(o => o.State == OfferState.Proposed)) LeaseOfferStateMachine.Apply(offer, OfferAction.Lapse, c.Now);
            LeaseCapacity.ReleaseAll(lease);
            LeaseStateMachine.Apply(lease, LeaseAction.LapseTerms);
            lease.OfferDueAt = null;
            c.CapacityChanged = true;
            c.Event($"Support's amended terms were not signed by {LeaseAgreement.FormatTime(due)}: " +
                    "they lapsed and the capacity was released. Nothing is charged.");
            transitions.Audit(c.Db, "lease.terms_lapsed", lease);
            var sku = await c.SkuNameAsync(ct);
            await c.NotifyAsync(LeaseAdminActions.ApprovalNotification, $"Amended terms lapsed: {lease.Gpus} × {sku}",
                $"Support's amended terms for your lease of {lease.Gpus} × {sku} in {lease.RegionId} were not signed by {LeaseAgreement.FormatTime(due)}. " +
                "The lease expired, its capacity was released and nothing is charged.", ct);
            return true;
        }, ct);
}
