using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Tenancy;

namespace Portal.Core.Deals;

/// <summary>
/// The tenant's answer to Support's amended terms (Owners and Admins): sign them (click-wrap, stored as canonical JSON with its
/// hash; the lease is scheduled on them and billed at the negotiated rate) or decline them (cancelled free, capacity released).
/// Another organisation's lease is not found.
/// </summary>
public sealed class DealResponse(
    IDbContextFactory<PortalDbContext> dbFactory, LeaseActor actor, AuditOrigin origin, AuditLog audit, TimeProvider time,
    Notifier notifier, LeaseScheduler scheduler, AgreementSigner signer)
{
    public const string AcceptedAudit = "lease.terms_accepted", DeclinedAudit = "lease.terms_declined";

    public async Task<Lease> AcceptAsync(Guid leaseId, Guid offerId, string? signerName, bool accepted, string? idempotencyKey = null,
        CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Admin, "sign amended terms", ct);
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var userId = actor.UserId;
        var facts = await db.Leases.AsNoTracking().Where(l => l.Id == leaseId).Select(l => new
        {
            Lease = l,
            Offer = l.Offers.FirstOrDefault(o => o.Id == offerId),
            TenantName = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.Name).FirstOrDefault(),
            TenantState = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => (TenantState?)t.State).FirstOrDefault(),
            SuspendedReason = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.SuspendedReason).FirstOrDefault(),
            RegionName = db.Regions.Where(r => r.Id == l.RegionId).Select(r => r.Name).FirstOrDefault(),
            SkuName = db.GpuSkus.Where(s => s.Id == l.SkuId).Select(s => s.Name).FirstOrDefault(),
            Email = db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefault(),
        }).FirstOrDefaultAsync(ct) ?? throw LeaseException.NotFound();
        var offer = facts.Offer ?? throw NoSuchOffer();
        if (idempotencyKey is not null && offer.SignKey == idempotencyKey) return facts.Lease; // a retry of a sign that went through
        var now = time.GetUtcNow().UtcDateTime;
        if (!EnsureOpen(facts.Lease, offer, OfferAction.Accept, now)) return facts.Lease; // signed already: a second click changes nothing
        var name = AgreementSigner.CheckSignature(signerName, accepted, "amended terms");
        actor.EnsureCanSpend(facts.TenantState, facts.SuspendedReason);
        var terms = DealAgreement.Terms(facts.Lease, offer, facts.TenantName ?? "", facts.RegionName ?? facts.Lease.RegionId,
            facts.SkuName ?? facts.Lease.SkuId);
        var json = DealAgreement.Signed(terms, offer, new AgreementSignature(name, facts.Email ?? "", now, origin.IpAddress, origin.UserAgent)).ToJson();
        var record = new SignedRecord(json, SignedTerms.Sha256(json));

        await using var tx = await PoolTransaction.BeginAsync(db, facts.Lease.RegionId, facts.Lease.SkuId, ct);
        var lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Offers).FirstAsync(l => l.Id == leaseId, ct);
        offer = lease.Offers.First(o => o.Id == offerId);
        if (idempotencyKey is not null && offer.SignKey == idempotencyKey) return lease;
        if (!EnsureOpen(lease, offer, OfferAction.Accept, now)) return lease;
        if (lease.Version != facts.Lease.Version)
            throw new LeaseException("lease_changed", "The lease changed while you were signing; review the amended terms again.");
        var document = AgreementSigner.Document(lease.TenantId, lease.Id, offer.Id, record, now);
        document.FileName = DealAgreement.FileName(lease.Id, offer.Id);
        db.Add(document);
        signer.Stamp(offer, name, record.Sha256, idempotencyKey, now);
        offer.AgreementVersion = DealAgreement.Version;
        LeaseOfferStateMachine.Apply(offer, OfferAction.Accept, now);
        ApplyTerms(lease, offer, now);
        LeaseStateMachine.Apply(lease, LeaseAction.AcceptTerms);
        lease.Events.Add(LeaseEvents.New(lease, now,
            $"Amended terms signed by {name} (agreement {DealAgreement.Version}, SHA-256 {record.Sha256[..12]}…): " +
            $"{DealDesk.Summary(lease, offer)} Scheduled.", origin.UserName));
        audit.Add(db, AcceptedAudit, "Lease", lease.Id.ToString(),
            $"{lease.Gpus} × {lease.SkuId} at {Catalog.Money.Format(offer.MicrosPerGpuHour)}/GPU-h", lease.TenantId);
        notifier.Add(db, await Notifier.RecipientsAsync(db, lease.TenantId, ct: ct), lease.TenantId, LeaseAdminActions.ApprovalNotification,
            $"Amended terms signed: {lease.Gpus} × {terms.SkuName}",
            $"{name} signed Support's amended terms for the lease of {lease.Gpus} × {terms.SkuName} in {terms.RegionName}: " +
            $"{DealDesk.Summary(lease, offer)} It is approved and scheduled.", LeaseLinks.Lease(lease.Id));
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: false, notified: true, ct);
        scheduler.LeaseSigned(lease);
        return lease;
    }

    /// <summary>Declines the amended terms: the lease is cancelled without a fee and its capacity is free at once.</summary>
    public async Task<Lease> DeclineAsync(Guid leaseId, Guid offerId, CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Admin, "decline amended terms", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Leases.AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Amendments).Include(l => l.Offers).FirstAsync(l => l.Id == leaseId, ct);
        var offer = lease.Offers.FirstOrDefault(o => o.Id == offerId) ?? throw NoSuchOffer();
        var now = time.GetUtcNow().UtcDateTime;
        if (!EnsureOpen(lease, offer, OfferAction.Decline, now)) return lease; // declined already
        LeaseCapacity.ReleaseAll(lease);
        LeaseOfferStateMachine.Apply(offer, OfferAction.Decline, now);
        lease.OfferDueAt = null;
        lease.CancelledAt = now;
        lease.CancellationFeeMicros = 0; // declining a counter-offer costs nothing
        LeaseStateMachine.Apply(lease, LeaseAction.DeclineTerms);
        lease.Events.Add(LeaseEvents.New(lease, now,
            $"Amended terms declined by {origin.UserName ?? "a member"}; the lease is cancelled free and its capacity released.", origin.UserName));
        audit.Add(db, DeclinedAudit, "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId}", lease.TenantId);
        await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.ApprovalNotification, $"Amended terms declined: {lease.Gpus} × {lease.SkuId}",
            $"{origin.UserName ?? "A member"} declined Support's amended terms for the lease of {lease.Gpus} × {lease.SkuId} in {lease.RegionId}. " +
            "The lease is cancelled without a fee and its capacity released.", LeaseLinks.Lease(lease.Id), ct: ct);
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: true, notified: true, ct);
        return lease;
    }

    /// <summary>The lease takes the signed terms: its window, the negotiated rate billing charges, and the cancellation terms.</summary>
    internal static void ApplyTerms(Lease lease, LeaseOffer offer, DateTime now)
    {
        lease.Start = offer.Start;
        lease.End = offer.End;
        lease.MicrosPerGpuHour = offer.MicrosPerGpuHour;
        lease.DiscountBasisPoints = DealAgreement.DiscountBasisPoints(lease.OnDemandMicrosPerGpuHour, offer.MicrosPerGpuHour);
        lease.PriceMicros = offer.PriceMicros;
        lease.FreeCancellationHours = offer.FreeCancellationHours;
        lease.LateCancellationPercent = offer.LateCancellationPercent;
        lease.OfferDueAt = null;
        lease.DecidedBy = offer.ProposedBy;
        lease.DecidedAt = now;
        lease.DecisionReason = offer.Reason;
    }

    /// <summary>
    /// True when the tenant may give this answer now; false when the offer already has it (a repeat: nothing to do); else the
    /// refusal, from the offer's state machine or because the lease no longer waits for an answer.
    /// </summary>
    private static bool EnsureOpen(Lease lease, LeaseOffer offer, OfferAction answer, DateTime now)
    {
        if (!LeaseOfferStateMachine.Check(offer, answer, now)) return false;
        if (!LeaseStateMachine.Allows(lease.State, answer == OfferAction.Accept ? LeaseAction.AcceptTerms : LeaseAction.DeclineTerms))
            throw new LeaseException(LeaseOfferStateMachine.NotOpenCode,
                $"This lease is {lease.State}: there are no amended terms to answer. Nothing was changed.");
        return true;
    }

    private static LeaseException NoSuchOffer() => new("not_found", "No amended terms with that id on this lease.", 404);
}
