using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

public sealed partial class LeaseService
{
    /// <summary>The agreement's terms for a held or signed lease (what the review page shows and the PDF prints).</summary>
    public async Task<AgreementTerms> TermsAsync(Lease lease, LeaseAmendment? amendment = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await TermsAsync(db, lease, amendment, ct);
    }

    private async Task<AgreementTerms> TermsAsync(PortalDbContext db, Lease lease, LeaseAmendment? amendment, CancellationToken ct)
    {
        var names = await db.Tenants.Where(t => t.Id == lease.TenantId).Select(t => new
        {
            TenantName = t.Name, // (scalar subqueries only: SQLite cannot APPLY)
            Region = db.Regions.Where(r => r.Id == lease.RegionId).Select(r => r.Name).FirstOrDefault(),
            Sku = db.GpuSkus.Where(s => s.Id == lease.SkuId).Select(s => s.Name).FirstOrDefault(),
        }).FirstAsync(ct);
        return Terms(lease, amendment, names.TenantName, names.Region ?? lease.RegionId, names.Sku ?? lease.SkuId);
    }

    private AgreementTerms Terms(Lease lease, LeaseAmendment? amendment, string tenantName, string region, string sku)
    {
        var policy = CancellationPolicy.Describe(Options);
        return amendment is null
            ? new AgreementTerms(tenantName, lease.Id, region, sku, lease.Gpus, lease.Start, lease.End, LeasePrice.Of(lease), policy)
            : new AgreementTerms(tenantName, lease.Id, region, sku, lease.Gpus, lease.Start, amendment.NewEnd,
                new LeasePrice(lease.Gpus, amendment.Hours, amendment.OnDemandMicrosPerGpuHour, amendment.DiscountBasisPoints, amendment.MicrosPerGpuHour),
                policy, amendment.Id, amendment.OldEnd);
    }

    /// <summary>
    /// Signs a held quote: records who, when, from where and which agreement version, stores the PDF and its
    /// SHA-256, and makes the hold firm, all in one transaction. The same <paramref name="idempotencyKey"/>
    /// again returns the signed lease; an expired or already signed hold is refused.
    /// </summary>
    public async Task<Lease> SignAsync(Guid leaseId, string? signerName, bool accepted, string? idempotencyKey = null, CancellationToken ct = default)
    {
        await EnsureRoleAsync(TenantRole.Admin, "sign leases", ct);
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One round trip for everything read before the lock: the lease, the organisation's state and the agreement's names.
        var userId = tenant.UserId;
        var facts = await db.Set<Lease>().AsNoTracking().Where(l => l.Id == leaseId).Select(l => new
        {
            Lease = l,
            TenantName = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.Name).FirstOrDefault(),
            TenantState = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => (TenantState?)t.State).FirstOrDefault(),
            SuspendedReason = db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.SuspendedReason).FirstOrDefault(),
            RegionName = db.Regions.Where(r => r.Id == l.RegionId).Select(r => r.Name).FirstOrDefault(),
            SkuName = db.GpuSkus.Where(s => s.Id == l.SkuId).Select(s => s.Name).FirstOrDefault(),
            Email = db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefault(),
        }).FirstOrDefaultAsync(ct) ?? throw LeaseException.NotFound();
        var lease = facts.Lease;
        if (idempotencyKey is not null && lease.SignKey == idempotencyKey) return lease; // a retry of a sign that went through
        signerName = signerName?.Trim();
        if (string.IsNullOrEmpty(signerName) || signerName.Length < 2 || signerName.Length > 200)
            throw LeaseException.Invalid("Type your full name to sign (2 to 200 characters).");
        if (NameRules.Problem(signerName) is { } problem) throw LeaseException.Invalid(problem);
        if (!accepted) throw LeaseException.Invalid("Accept the agreement to sign it.");
        EnsureCanSpend(facts.TenantState, facts.SuspendedReason);

        var now = Now;
        EnsureSignable(lease, now);
        // Rendered before the pool lock (it takes milliseconds); the lease's version proves the terms did not change since.
        var email = facts.Email ?? "";
        var terms = Terms(lease, null, facts.TenantName ?? "", facts.RegionName ?? lease.RegionId, facts.SkuName ?? lease.SkuId);
        var pdf = LeaseAgreementPdf.Render(terms, new AgreementSignature(signerName, email, now, origin.IpAddress, origin.UserAgent));
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        var renderedVersion = lease.Version;
        var recipients = await Notifier.RecipientsAsync(db, lease.TenantId, ct: ct);

        await using var tx = await PoolTransaction.BeginAsync(db, lease.RegionId, lease.SkuId, ct);
        lease = await db.Set<Lease>().Include(l => l.Allocations).FirstAsync(l => l.Id == leaseId, ct);
        if (lease.SignKey is not null && lease.SignKey == idempotencyKey) return lease;
        EnsureSignable(lease, now);
        if (lease.Version != renderedVersion)
            throw new LeaseException("lease_changed", "The lease changed while you were signing; review it again.");
        db.Add(new LeaseDocument
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, FileName = $"lease-{lease.Id:N}-agreement.pdf", Sha256 = sha, Content = pdf, CreatedAt = now,
        });

        foreach (var a in lease.Allocations.Where(a => a.Status == AllocationStatus.Held))
        {
            a.Status = AllocationStatus.Firm;
            a.HoldExpiresAt = null;
        }
        lease.SignerUserId = tenant.UserId;
        lease.SignerName = signerName;
        lease.SignedAt = now;
        lease.SignerIp = origin.IpAddress;
        lease.SignerUserAgent = origin.UserAgent is { Length: > 512 } ua ? ua[..512] : origin.UserAgent;
        lease.AgreementVersion = LeaseAgreement.Version;
        lease.AgreementSha256 = sha;
        lease.SignKey = idempotencyKey;
        lease.HoldExpiresAt = null;
        LeaseStateMachine.Apply(lease, lease.NeedsApproval ? LeaseAction.SignForApproval : LeaseAction.Sign);
        lease.Events.Add(Event(lease, now, $"Signed by {signerName} (agreement {LeaseAgreement.Version}, SHA-256 {sha[..12]}…)", origin.UserName));
        if (lease.NeedsApproval)
            lease.Events.Add(Event(lease, now, $"Waiting for approval by Support (over {Options.ApprovalGpuThreshold} GPUs or {Money.Format(Options.ApprovalMicrosThreshold)}).", "system"));
        audit.Add(db, "lease.signed", "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId} in {lease.RegionId}", lease.TenantId);
        notifier.Add(db, recipients, lease.TenantId, "lease.signed", $"Lease signed: {lease.Gpus} × {terms.SkuName}",
            $"{signerName} signed a lease of {lease.Gpus} × {terms.SkuName} in {terms.RegionName} from {terms.Start:yyyy-MM-dd HH:mm} to {terms.End:yyyy-MM-dd HH:mm} UTC for {Money.Format(lease.PriceMicros)}."
            + (lease.NeedsApproval ? " It now waits for Support's approval." : ""), LeaseLinks.Lease(lease.Id));
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: false, notified: true, ct);
        if (lease.State == LeaseState.Scheduled) scheduler.LeaseSigned(lease);
        return lease;
    }

    private void EnsureSignable(Lease lease, DateTime now)
    {
        if (lease.IsSigned)
            throw new LeaseException("already_signed", $"This lease was already signed by {lease.SignerName} on {lease.SignedAt:yyyy-MM-dd HH:mm} UTC.");
        if (lease.State == LeaseState.Expired || (lease.State == LeaseState.Held && lease.HoldExpiresAt <= now))
            throw new LeaseException("hold_expired", $"This quote expired at {lease.HoldExpiresAt:HH:mm} UTC and its capacity was released. Quote again.");
        if (!LeaseStateMachine.Allows(lease.State, LeaseAction.Sign))
            throw new LeaseException("not_signable", $"This lease is {lease.State} and cannot be signed.");
    }
}

/// <summary>Where lease pages live, for links in notifications and e-mails.</summary>
public static class LeaseLinks
{
    public static string Lease(Guid id) => $"/leases/{id}";
}
