using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

public sealed partial class LeaseService
{
    private static readonly LeaseState[] ExtendableStates = [LeaseState.PendingApproval, LeaseState.Scheduled, LeaseState.Provisioning, LeaseState.Active];

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
        var tail = TailAllocations(lease, end);
        if (tail.Count == 0) return null;
        var now = Now;
        var view = await CapacitySnapshot.ViewAsync(db, lease.RegionId, lease.SkuId, end, end.AddHours(Options.MaxHours), now, ct);
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
        await EnsureRoleAsync(TenantRole.Admin, "extend leases", ct);
        if (hours < 1 || hours > Options.MaxHours) throw LeaseException.Invalid($"Extend by 1 to {Options.MaxHours} hours.");
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Set<Lease>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        if (idempotencyKey is not null && await db.Set<LeaseAmendment>().FirstOrDefaultAsync(a => a.QuoteKey == idempotencyKey, ct) is { } again)
            return again.LeaseId == leaseId && again.Hours == hours ? again
                : throw new LeaseException("idempotency_key_reused", "This idempotency key was used for a different extension.", 422);
        quoteLimiter.Take(found.TenantId);
        await EnsureCanSpendAsync(db, ct);
        var sku = await db.GpuSkus.AsNoTracking().FirstAsync(s => s.Id == found.SkuId, ct);

        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Set<Lease>().Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
        var now = Now;
        if (!ExtendableStates.Contains(lease.State))
            throw new LeaseException("not_extendable", $"This lease is {lease.State} and cannot be extended.");
        if (lease.Degraded) throw new LeaseException("not_extendable", "This lease is degraded; it can be extended once its nodes are healthy.");
        var end = lease.End;
        var price = LeasePrice.For(sku, lease.Gpus, hours);
        // An extension holds the lease's GPUs past its end: counted against the quota and the open holds like a quote.
        await CheckLimitsAsync(db, lease.TenantId, new QuotaQuestion(lease.SkuId, end, end.AddHours(hours), ExceptLeaseId: lease.Id), lease.Gpus,
            new SpendAddition(end, end.AddHours(hours), lease.Gpus, price.MicrosPerGpuHour, lease.Id), ct);

        // A new extension quote replaces a held one.
        foreach (var old in lease.Amendments.Where(a => a.State == AmendmentState.Held))
        {
            old.State = AmendmentState.Cancelled;
            foreach (var a in lease.Allocations.Where(a => a.AmendmentId == old.Id)) a.Status = AllocationStatus.Released;
        }
        await db.SaveChangesAsync(ct);
        await ReleaseExpiredHoldsAsync(db, lease.RegionId, lease.SkuId, now, ct);
        var view = await CapacitySnapshot.ViewAsync(db, lease.RegionId, lease.SkuId, end, end.AddHours(hours), now, ct);
        var amendment = new LeaseAmendment
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, OldEnd = end, NewEnd = end.AddHours(hours), State = AmendmentState.Held,
            HoldExpiresAt = now.Add(Options.Hold), OnDemandMicrosPerGpuHour = price.OnDemandMicrosPerGpuHour,
            DiscountBasisPoints = price.DiscountBasisPoints, MicrosPerGpuHour = price.MicrosPerGpuHour, PriceMicros = price.TotalMicros,
            QuoteKey = idempotencyKey, CreatedAt = now,
        };
        foreach (var a in TailAllocations(lease, end))
        {
            var extra = new PlannerAllocation(a.NodeId, a.Gpus, end, amendment.NewEnd);
            var i = view.IndexOf(a.NodeId);
            if (view.Nodes[i].State != NodeState.Ready || view.MaxUsed(i, 0, hours) + a.Gpus > view.GpuCount(i))
                throw new NoCapacityException($"Node {a.NodeId} is not free for {hours} more hours; see \"extendable until\" on the lease.", [], []);
            view.Commit(extra);
            // db.Add, not the tracked lease's collection: a new entity with its Guid key already set, found through a
            // navigation, would be taken for an existing row and UPDATEd (0 rows: a concurrency exception).
            db.Add(new Allocation
            {
                LeaseId = lease.Id, AmendmentId = amendment.Id, NodeId = a.NodeId, RegionId = lease.RegionId, SkuId = lease.SkuId,
                Gpus = a.Gpus, Start = end, End = amendment.NewEnd, Status = AllocationStatus.Held, HoldExpiresAt = amendment.HoldExpiresAt,
            });
        }
        db.Add(amendment);
        lease.Events.Add(Event(lease, now, $"Extension by {hours} h quoted at {Money.Format(price.TotalMicros)}; held until {amendment.HoldExpiresAt:HH:mm} UTC.", origin.UserName));
        await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: true, notified: false, ct);
        return amendment;
    }

    /// <summary>Signs a held extension: same checks and record as signing a lease; the lease's end moves.</summary>
    public async Task<Lease> SignExtensionAsync(Guid leaseId, Guid amendmentId, string? signerName, bool accepted,
        string? idempotencyKey = null, CancellationToken ct = default)
    {
        await EnsureRoleAsync(TenantRole.Admin, "sign extensions", ct);
        idempotencyKey = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.Set<Lease>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
        var am0 = await db.Set<LeaseAmendment>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == amendmentId && a.LeaseId == leaseId, ct)
                  ?? throw LeaseException.NotFound();
        if (idempotencyKey is not null && am0.SignKey == idempotencyKey) return found;
        signerName = signerName?.Trim();
        if (string.IsNullOrEmpty(signerName) || signerName.Length < 2 || signerName.Length > 200)
            throw LeaseException.Invalid("Type your full name to sign (2 to 200 characters).");
        if (NameRules.Problem(signerName) is { } problem) throw LeaseException.Invalid(problem);
        if (!accepted) throw LeaseException.Invalid("Accept the amendment to sign it.");
        await EnsureCanSpendAsync(db, ct);

        var now = Now;
        EnsureExtensionSignable(found, am0, now);
        var email = await db.Users.Where(u => u.Id == tenant.UserId).Select(u => u.Email).FirstOrDefaultAsync(ct) ?? "";
        var terms = await TermsAsync(db, found, am0, ct);
        var pdf = LeaseAgreementPdf.Render(terms, new AgreementSignature(signerName, email, now, origin.IpAddress, origin.UserAgent));
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));

        await using var tx = await PoolTransaction.BeginAsync(db, found.RegionId, found.SkuId, ct);
        var lease = await db.Set<Lease>().Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
        var amendment = lease.Amendments.First(a => a.Id == amendmentId);
        EnsureExtensionSignable(lease, amendment, now);
        db.Add(new LeaseDocument
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, AmendmentId = amendment.Id, FileName = $"lease-{lease.Id:N}-extension-{amendment.Id:N}.pdf",
            Sha256 = sha, Content = pdf, CreatedAt = now,
        });
        foreach (var a in lease.Allocations.Where(a => a.AmendmentId == amendment.Id && a.Status == AllocationStatus.Held))
        {
            a.Status = AllocationStatus.Firm;
            a.HoldExpiresAt = null;
        }
        amendment.State = AmendmentState.Signed;
        amendment.SignerUserId = tenant.UserId;
        amendment.SignerName = signerName;
        amendment.SignedAt = now;
        amendment.SignerIp = origin.IpAddress;
        amendment.SignerUserAgent = origin.UserAgent is { Length: > 512 } ua ? ua[..512] : origin.UserAgent;
        amendment.AgreementVersion = LeaseAgreement.Version;
        amendment.AgreementSha256 = sha;
        amendment.SignKey = idempotencyKey;
        lease.End = amendment.NewEnd;
        lease.EndingReminderSentAt = null;
        lease.Events.Add(Event(lease, now, $"Extended to {amendment.NewEnd:yyyy-MM-dd HH:mm} UTC; amendment signed by {signerName} ({Money.Format(amendment.PriceMicros)}).", origin.UserName));
        audit.Add(db, "lease.extended", "Lease", lease.Id.ToString(), $"+{amendment.Hours} h", lease.TenantId);
        await notifier.AddAsync(db, lease.TenantId, "lease.extended", $"Lease extended to {amendment.NewEnd:yyyy-MM-dd HH:mm} UTC",
            $"{signerName} extended the lease of {lease.Gpus} × {terms.SkuName} by {amendment.Hours} hours for {Money.Format(amendment.PriceMicros)}.",
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
        if (!ExtendableStates.Contains(lease.State) || lease.End != amendment.OldEnd)
            throw new LeaseException("not_extendable", $"This lease is {lease.State} and can no longer be extended this way.");
    }

    // The allocations that reach the lease's end: the ones an extension continues on the same nodes.
    private static List<Allocation> TailAllocations(Lease lease, DateTime end) =>
        lease.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.End == end).ToList();
}
