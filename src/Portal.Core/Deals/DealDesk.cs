using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.Refusals;

namespace Portal.Core.Deals;

/// <summary>
/// Support's side of a deal: amended terms for a lease under review (a negotiated rate with a reason, a window, cancellation
/// terms). A new window is placed under the pool lock like a quote (never overbooked; refused, changing nothing, when it does
/// not fit) and held for the tenant until they answer. Audited and notified; the tenant then signs or declines.
/// </summary>
public sealed class DealDesk(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, AuditOrigin origin, TimeProvider time, Notifier notifier,
    IOptions<LeaseOptions> options, LeaseAvailability availability)
{
    public const string ProposedAudit = "lease.terms_proposed";
    private readonly CapacityPlanner _planner = new();

    /// <summary>Offers amended terms; returns what happened in words for Support, or throws the refusal (nothing changed).</summary>
    public async Task<string> ProposeAsync(Guid leaseId, DealProposal proposal, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var pool = await db.Leases.AsNoTracking().Where(l => l.Id == leaseId).Select(l => new { l.RegionId, l.SkuId }).FirstOrDefaultAsync(ct)
                   ?? throw ActionRefusedException.NotFound("There is no such lease.");
        var now = time.GetUtcNow().UtcDateTime;
        var o = options.Value;
        await using var tx = await PoolTransaction.BeginAsync(db, pool.RegionId, pool.SkuId, ct);
        var lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Amendments).Include(l => l.Offers).FirstAsync(l => l.Id == leaseId, ct);
        if (!LeaseStateMachine.Allows(lease.State, LeaseAction.ProposeTerms))
            throw new LeaseException("not_under_review",
                $"This lease is {lease.State}, not under review: its terms can no longer be amended. Nothing was changed.");
        var (rate, reason) = proposal.Check(lease, o, now);
        var windowChanged = proposal.Start != lease.Start || proposal.End != lease.End;
        if (windowChanged) await MoveAsync(db, lease, proposal.Start, proposal.End, now, ct);

        LeaseOfferStateMachine.WithdrawOpen(lease, now); // the newest terms replace any still open
        var offer = new LeaseOffer
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, State = OfferState.Proposed, Start = proposal.Start, End = proposal.End,
            MicrosPerGpuHour = rate, FreeCancellationHours = proposal.FreeCancellationHours, LateCancellationPercent = proposal.LateCancellationPercent,
            Reason = reason, ProposedBy = origin.UserName ?? LeaseAdminActions.SupportActor, ProposedAt = now,
            RespondBy = Min(DealReview.AddBusinessDays(now, o.OfferResponseBusinessDays), proposal.End),
        };
        offer.PriceMicros = DealAgreement.PriceOf(lease, offer).TotalMicros;
        db.Add(offer); // added explicitly: its key is set already, so through the navigation EF would take it for an update
        lease.Offers.Add(offer);
        LeaseStateMachine.Apply(lease, LeaseAction.ProposeTerms);
        lease.OfferDueAt = offer.RespondBy;
        var summary = Summary(lease, offer);
        lease.Events.Add(new LeaseEvent
        {
            TenantId = lease.TenantId, LeaseId = lease.Id, At = now, State = lease.State, Actor = LeaseAdminActions.SupportActor,
            Message = Cut($"Support proposed amended terms: {summary} Reason: {Sentence(reason)} "
                + $"Sign or decline by {LeaseAgreement.FormatTime(offer.RespondBy)}.", 1000),
        });
        audit.Add(db, ProposedAudit, LeaseAdminActions.LeaseTarget, lease.Id.ToString(), Cut($"{lease.Gpus} × {lease.SkuId}: {summary}", 200),
            lease.TenantId, reason);
        var sku = await db.GpuSkus.Where(s => s.Id == lease.SkuId).Select(s => s.Name).FirstOrDefaultAsync(ct) ?? lease.SkuId;
        await notifier.AddAsync(db, lease.TenantId, LeaseAdminActions.ApprovalNotification, $"Amended terms to sign: {lease.Gpus} × {sku}",
            $"Support proposed amended terms for your lease of {lease.Gpus} × {sku} in {lease.RegionId}: {summary} Reason: {Sentence(reason)} " +
            $"Sign or decline them by {LeaseAgreement.FormatTime(offer.RespondBy)}; the capacity is held for you until then.",
            LeaseLinks.Lease(lease.Id), ct: ct);
        try
        {
            await LeaseCommit.SaveAsync(db, tx, notifier, lease, capacityChanged: windowChanged, notified: true, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw ActionRefusedException.Conflict("lease_changed",
                "The lease changed while you were editing (a background job moved it). Reload it and try again; nothing was changed.");
        }
        return $"Amended terms sent. The tenant has until {LeaseAgreement.FormatTime(offer.RespondBy)} to sign or decline them.";
    }

    /// <summary>Every offer made on a lease, oldest first (Support's page lists them).</summary>
    public async Task<List<LeaseOffer>> OffersAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        return await db.Set<LeaseOffer>().AsNoTracking().Where(o => o.LeaseId == leaseId).OrderBy(o => o.ProposedAt).ToListAsync(ct);
    }

    /// <summary>The cancellation terms the lease runs on now: where Support's form starts.</summary>
    public LeaseOptions CancellationTermsOf(Lease lease) => DealAgreement.CancellationTermsOf(lease, options.Value);

    /// <summary>The terms in one sentence, as the timeline, the audit log and the notification say them.</summary>
    public static string Summary(Lease lease, LeaseOffer offer) =>
        $"{Money.Format(offer.MicrosPerGpuHour)} per GPU-hour ({Money.Format(offer.PriceMicros)} in total, " +
        $"list {Money.Format(lease.OnDemandMicrosPerGpuHour)}), " +
        $"{LeaseAgreement.FormatTime(offer.Start)} to {LeaseAgreement.FormatTime(offer.End)}, free cancellation until " +
        $"{Counted.Hours(offer.FreeCancellationHours)} before the start, then {offer.LateCancellationPercent}% of the hours not used.";

    /// <summary>
    /// Places the lease's GPUs over the new window on the pool's shared snapshot (<see cref="CapacitySnapshot"/>), counting every
    /// other lease's allocations but not its own, and moves it there (firm, as signed). Refused with the window's problem when it
    /// does not fit: the caller's transaction then commits nothing (the early release included).
    /// </summary>
    private async Task MoveAsync(PortalDbContext db, Lease lease, DateTime start, DateTime end, DateTime now, CancellationToken ct)
    {
        if (lease.Amendments.Any(a => a.State is AmendmentState.Held or AmendmentState.Signed))
            throw new LeaseException("has_extensions",
                "This lease has extensions: its window cannot be moved. Change the price or cancellation terms only. Nothing was changed.");
        // The lease's own GPUs are given back first, inside the pool transaction, so the shared snapshot (what quotes and signing
        // plan on: one definition of "free") counts every other lease and not this one; a refusal rolls the release back.
        foreach (var a in lease.Allocations.Where(a => a.Status != AllocationStatus.Released)) a.Status = AllocationStatus.Released;
        await db.SaveChangesAsync(ct);
        var (view, expiredHolds) = await CapacitySnapshot.ViewForHoldAsync(db, lease.RegionId, lease.SkuId, start, end, now, ct);
        var request = new LeaseRequest(lease.RegionId, lease.SkuId, lease.Gpus, start, (int)(end - start).TotalHours)
            .ToPlacement(availability.WholeNodes(lease.RegionId));
        if (_planner.Plan(view, request) is not Placement placement)
            throw new LeaseException("no_capacity", $"{Counted.Gpus(lease.Gpus)} of {lease.SkuId} in {lease.RegionId} do not fit from " +
                $"{LeaseAgreement.FormatTime(start)} to {LeaseAgreement.FormatTime(end)}: other leases hold that capacity. Nothing was changed.");
        if (expiredHolds) await LeaseCapacity.ReleaseExpiredHoldsAsync(db, lease.RegionId, lease.SkuId, now, ct); // the database trigger still counts them
        foreach (var part in placement.Nodes)
        {
            var moved = new Allocation
            {
                LeaseId = lease.Id, NodeId = part.NodeId, RegionId = lease.RegionId, SkuId = lease.SkuId, Gpus = part.Gpus,
                Start = start, End = end, Status = AllocationStatus.Firm,
            };
            db.Add(moved);
            lease.Allocations.Add(moved);
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
    /// <summary>Support's reason as a sentence inside a longer message: it ends with a full stop unless it has its own.</summary>
    private static string Sentence(string reason) => reason.EndsWith('.') || reason.EndsWith('!') || reason.EndsWith('?') ? reason : reason + ".";
    private static string Cut(string s, int max) => s.Length > max ? s[..max] : s;
}
