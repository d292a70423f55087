using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>Signs a held quote: the click-wrap record, the stored signed terms, and the hold made firm, in one <see cref="PoolTransaction"/>.</summary>
public sealed class LeaseSigning(
    IDbContextFactory<PortalDbContext> dbFactory, LeaseActor actor, AuditOrigin origin, AuditLog audit, TimeProvider time,
    IOptions<LeaseOptions> options, Notifier notifier, LeaseScheduler scheduler, LeaseTerms leaseTerms, AgreementSigner signer)
{
    private LeaseOptions Options => options.Value;

    /// <summary>
    /// Signs a held quote: records who, when, from where and which agreement version, stores the signed terms
    /// (<see cref="SignedTerms"/>) and their SHA-256, and makes the hold firm, all in one transaction. The same <paramref name="idempotencyKey"/>
    /// again returns the signed lease; an expired or already signed hold is refused.
    /// </summary>
    public async Task<Lease> SignAsync(Guid leaseId, string? signerName, bool accepted, string? idempotencyKey = null, CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Admin, "sign leases", ct);
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The pool's lock first, found from the lease in the same statement, then everything signing reads in one round trip
        // under it: the terms are built from what is locked, so nothing can change them before commit (no read before the
        // lock and no re-read under it).
        await using var tx = await PoolTransaction.BeginForLeaseAsync(db, leaseId, actor.TenantId!.Value, ct) ?? throw LeaseException.NotFound();
        var facts = await LeaseSignFacts.ReadLockedAsync(db, leaseId, actor.UserId, ct) ?? throw LeaseException.NotFound();
        var lease = facts.Lease;
        if (idempotencyKey is not null && lease.SignKey == idempotencyKey) return lease; // a retry of a sign that went through
        var name = AgreementSigner.CheckSignature(signerName, accepted, "agreement");
        actor.EnsureCanSpend(facts.TenantState, facts.SuspendedReason);

        var now = time.GetUtcNow().UtcDateTime;
        EnsureSignable(lease, now);
        // The signed text and its hash (cheap: canonical JSON and SHA-256); the PDF is rendered from these stored bytes
        // after commit (AgreementPdfJob), off the signer's wait and the lock.
        var email = facts.Email ?? "";
        var terms = leaseTerms.Terms(lease, null, facts.TenantName ?? "", facts.RegionName ?? lease.RegionId, facts.SkuName ?? lease.SkuId,
            await LeaseTerms.ChosenFromAsync(db, lease, ct));
        var record = signer.Sign(terms, name, email, now);
        db.Add(AgreementSigner.Document(lease.TenantId, lease.Id, null, record, now));

        LeaseCapacity.MakeFirm(lease.Allocations.Where(a => a.Status == AllocationStatus.Held));
        signer.Stamp(lease, name, record.Sha256, idempotencyKey, now);
        lease.HoldExpiresAt = null;
        LeaseStateMachine.Apply(lease, lease.NeedsApproval ? LeaseAction.SignForApproval : LeaseAction.Sign);
        if (lease.NeedsApproval) lease.ReviewDueAt = Deals.DealReview.AddBusinessDays(now, Options.ReviewBusinessDays);
        lease.Events.Add(LeaseEvents.New(lease, now,
            $"Signed by {name} (agreement {LeaseAgreement.Version}, SHA-256 {record.Sha256[..12]}…)", origin.UserName));
        if (lease.NeedsApproval)
            lease.Events.Add(LeaseEvents.New(lease, now,
                $"Waiting for approval by Support (over {Counted.Gpus(Options.ApprovalGpuThreshold)} or " +
                $"{Money.Format(Options.ApprovalMicrosThreshold)}).", "system"));
        audit.Add(db, "lease.signed", "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId} in {lease.RegionId}", lease.TenantId);
        notifier.Add(db, facts.Recipients, lease.TenantId, "lease.signed", $"Lease signed: {lease.Gpus} × {terms.SkuName}",
            $"{name} signed a lease of {lease.Gpus} × {terms.SkuName} in {terms.RegionName} from {terms.Start:yyyy-MM-dd HH:mm} " +
            $"to {terms.End:yyyy-MM-dd HH:mm} UTC for {Money.Format(lease.PriceMicros)}."
            + (lease.NeedsApproval ? " It now waits for Support's approval." : ""), LeaseLinks.Lease(lease.Id));
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: false, notified: true, ct);
        if (lease.State == LeaseState.Scheduled) scheduler.LeaseSigned(lease);
        return lease;
    }

    private static void EnsureSignable(Lease lease, DateTime now)
    {
        if (lease.IsSigned)
            throw new LeaseException("already_signed", $"This lease was already signed by {lease.SignerName} on {lease.SignedAt:yyyy-MM-dd HH:mm} UTC.");
        if (lease.State == LeaseState.Expired || (lease.State == LeaseState.Held && lease.HoldExpiresAt <= now))
            throw new LeaseException("hold_expired", $"This quote expired at {lease.HoldExpiresAt:HH:mm} UTC and its capacity was released. Quote again.");
        if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Sign))
            throw new LeaseException("not_signable", $"This lease is {lease.State} and cannot be signed.");
    }
}
