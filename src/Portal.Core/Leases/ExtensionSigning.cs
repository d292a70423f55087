using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>Signs a held extension (quoted by <see cref="LeaseExtending"/>): same checks and record as signing a lease; the lease's end moves.</summary>
public sealed class ExtensionSigning(
    IDbContextFactory<PortalDbContext> dbFactory, LeaseActor actor, AuditOrigin origin, AuditLog audit, TimeProvider time,
    Notifier notifier, LeaseScheduler scheduler, LeaseTerms leaseTerms, AgreementSigner signer)
{
    /// <summary>Signs a held extension: same checks and record as signing a lease; the lease's end moves.</summary>
    public async Task<Lease> SignExtensionAsync(Guid leaseId, Guid amendmentId, string? signerName, bool accepted,
        string? idempotencyKey = null, CancellationToken ct = default)
    {
        await actor.RequireRoleAsync(TenantRole.Admin, "sign extensions", ct);
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Set<Lease>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        var am0 = await db.Set<LeaseAmendment>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == amendmentId && a.LeaseId == leaseId, ct)
                  ?? throw LeaseException.NotFound();
        if (idempotencyKey is not null && am0.SignKey == idempotencyKey) return found;
        var name = AgreementSigner.CheckSignature(signerName, accepted, "amendment");
        await actor.EnsureCanSpendAsync(db, ct);

        var now = time.GetUtcNow().UtcDateTime;
        EnsureExtensionSignable(found, am0, now);
        var email = await db.Users.Where(u => u.Id == actor.UserId).Select(u => u.Email).FirstOrDefaultAsync(ct) ?? "";
        var terms = await leaseTerms.TermsAsync(db, found, am0, ct);
        var record = signer.Sign(terms, name, email, now);

        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Set<Lease>().Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
        var amendment = lease.Amendments.First(a => a.Id == amendmentId);
        EnsureExtensionSignable(lease, amendment, now);
        db.Add(AgreementSigner.Document(lease.TenantId, lease.Id, amendment.Id, record, now));
        LeaseCapacity.MakeFirm(lease.Allocations.Where(a => a.AmendmentId == amendment.Id && a.Status == AllocationStatus.Held));
        amendment.State = AmendmentState.Signed;
        signer.Stamp(amendment, name, record.Sha256, idempotencyKey, now);
        lease.End = amendment.NewEnd;
        lease.EndingReminderSentAt = null;
        lease.Events.Add(LeaseEvents.New(lease, now,
            $"Extended to {amendment.NewEnd:yyyy-MM-dd HH:mm} UTC; amendment signed by {name} ({Money.Format(amendment.PriceMicros)}).", origin.UserName));
        audit.Add(db, "lease.extended", "Lease", lease.Id.ToString(), $"+{amendment.Hours} h", lease.TenantId);
        await notifier.AddAsync(db, lease.TenantId, "lease.extended", $"Lease extended to {amendment.NewEnd:yyyy-MM-dd HH:mm} UTC",
            $"{name} extended the lease of {lease.Gpus} × {terms.SkuName} by {Counted.Hours(amendment.Hours)} for {Money.Format(amendment.PriceMicros)}.",
            LeaseLinks.Lease(lease.Id), ct: ct);
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: false, notified: true, ct);
        scheduler.LeaseEndChanged(lease);
        return lease;
    }

    private static void EnsureExtensionSignable(Lease lease, LeaseAmendment amendment, DateTime now)
    {
        if (amendment.State == AmendmentState.Signed)
            throw new LeaseException("already_signed", $"This extension was already signed by {amendment.SignerName}.");
        if (amendment.State != AmendmentState.Held || amendment.HoldExpiresAt <= now)
            throw new LeaseException("hold_expired", "This extension quote expired or was replaced; quote it again.");
        if (!LeaseExtending.ExtendableStates.Contains(lease.State) || lease.End != amendment.OldEnd)
            throw new LeaseException("not_extendable", $"This lease is {lease.State} and can no longer be extended this way.");
    }
}
