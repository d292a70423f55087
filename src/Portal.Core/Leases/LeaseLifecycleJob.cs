using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

/// <summary>
/// The minutely sweep: whatever is due by now, whether or not a scheduled job already saw to it. Expires holds
/// and held extensions (their capacity is free again), ends leases whose end passed and gives the pool back what
/// finished leases still hold, provisions leases whose start (or retry) is due, handles leases left on failed
/// nodes, and sends the "ending soon" reminder once. Each step re-checks under the lease's lock, so running it
/// twice, or beside the scheduled jobs, changes nothing more. Leases waiting for approval are Support's.
/// </summary>
[AutomaticRetry(Attempts = 0)] // it runs again in a minute anyway
public sealed class LeaseLifecycleJob(IDbContextFactory<PortalDbContext> dbFactory, LeaseTransitions transitions,
    ProvisionLeaseJob provision, EndLeaseJob end, NodeFailureJob nodeFailure, ILogger<LeaseLifecycleJob> logger)
{
    public const string RecurringId = "lease-lifecycle";

    public async Task RunAsync(CancellationToken ct = default)
    {
        var now = transitions.Now;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var leases = db.Leases.IgnoreQueryFilters().AsNoTracking(); // ids only: each lease is then changed in its tenant's scope

        foreach (var id in await leases.Where(l => l.State == LeaseState.Held && l.HoldExpiresAt <= now).Select(l => l.Id).ToListAsync(ct))
            await EachAsync(id, "expire hold", () => ExpireHoldAsync(id, ct));
        var amended = await db.LeaseAmendments.IgnoreQueryFilters()
            .Where(a => a.State == AmendmentState.Held && a.HoldExpiresAt <= now).Select(a => a.LeaseId).Distinct().ToListAsync(ct);
        foreach (var id in amended) await EachAsync(id, "expire extension hold", () => ExpireAmendmentsAsync(id, ct));
        foreach (var id in await Deals.DealLapse.DueAsync(db, now, ct))
            await EachAsync(id, "lapse amended terms", () => Deals.DealLapse.LapseAsync(transitions, id, ct));

        var ending = await leases.Where(l => l.State == LeaseState.Ending
                || (l.End <= now && (l.State == LeaseState.Active || l.State == LeaseState.Provisioning || l.State == LeaseState.Scheduled)))
            .Select(l => l.Id).ToListAsync(ct);
        ending.AddRange(await StillOnThePoolAsync(db, now, ct));
        foreach (var id in ending.Distinct()) await EachAsync(id, "end", () => end.RunAsync(id, ct));

        // Nodes that failed with firm allocations still on them (a missed or lost NodeFailureJob).
        var hour = CancellationPolicy.FloorHour(now);
        var failedNodes = await db.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.End > hour)
            .Join(db.Nodes.Where(n => n.State == NodeState.Failed), a => a.NodeId, n => n.Id, (a, n) => n.Id).Distinct().ToListAsync(ct);
        foreach (var nodeId in failedNodes)
        {
            try { await nodeFailure.RunAsync(nodeId, ct); }
            catch (Exception e) when (!ct.IsCancellationRequested) { logger.LogError(e, "Sweep: handling failed node {Node} failed", nodeId); }
        }

        var lead = now + transitions.Options.ProvisionLead;
        var starting = await leases.Where(l => l.End > now && (
                (l.State == LeaseState.Scheduled && l.Start <= lead)
                || (l.State == LeaseState.Provisioning && (l.NextProvisionAttemptAt == null || l.NextProvisionAttemptAt <= now))
                || (l.State == LeaseState.Active && db.Allocations.Any(a => a.LeaseId == l.Id && a.Status == AllocationStatus.Firm
                    && a.ReservedAt == null && a.Start <= lead && a.End > now))))
            .OrderBy(l => l.Start).Select(l => l.Id).ToListAsync(ct);
        foreach (var id in starting) await EachAsync(id, "provision", () => provision.RunAsync(id, ct));

        await SendEndingRemindersAsync(db, now, ct);
    }

    /// <summary>Leases with a reservation on the pool that nothing needs any more (the job that should have released it failed).</summary>
    private static Task<List<Guid>> StillOnThePoolAsync(PortalDbContext db, DateTime now, CancellationToken ct) =>
        db.Allocations.Where(a => a.ReservedAt != null && a.PoolReleasedAt == null)
            .Join(db.Leases.IgnoreQueryFilters(), a => a.LeaseId, l => l.Id, (a, l) => new { a, l.State })
            .Where(x => x.a.Status == AllocationStatus.Released
                || !(x.State == LeaseState.Scheduled || x.State == LeaseState.PendingApproval || x.State == LeaseState.Provisioning
                     || x.State == LeaseState.Active || x.State == LeaseState.Ending) // Ending leases are listed already
                || (x.a.End <= now && !db.Allocations.Any(s => s.LeaseId == x.a.LeaseId && s.NodeId == x.a.NodeId
                    && s.Status == AllocationStatus.Firm && s.Start >= x.a.End && s.End > now)))
            .Select(x => x.a.LeaseId).Distinct().ToListAsync(ct);

    private Task ExpireHoldAsync(Guid leaseId, CancellationToken ct) =>
        transitions.ChangeAsync(leaseId, c =>
        {
            var l = c.Lease;
            if (!LeaseStateMachine.Allows(l.State, LeaseAction.Expire) || l.HoldExpiresAt is not { } at || at > c.Now) return false;
            foreach (var a in l.Allocations.Where(a => a.Status != AllocationStatus.Released)) a.Status = AllocationStatus.Released;
            LeaseStateMachine.Apply(l, LeaseAction.Expire);
            c.CapacityChanged = true;
            c.Event($"Quote expired at {at:HH:mm} UTC; its capacity was released.");
            return true;
        }, ct);

    private Task ExpireAmendmentsAsync(Guid leaseId, CancellationToken ct) =>
        transitions.ChangeAsync(leaseId, c =>
        {
            var expired = c.Lease.Amendments.Where(a => a.State == AmendmentState.Held && a.HoldExpiresAt <= c.Now).ToList();
            if (expired.Count == 0) return false;
            foreach (var am in expired)
            {
                am.State = AmendmentState.Expired;
                foreach (var a in c.Lease.Allocations.Where(a => a.AmendmentId == am.Id && a.Status == AllocationStatus.Held))
                    a.Status = AllocationStatus.Released;
                c.Event($"Extension quote to {am.NewEnd:yyyy-MM-dd HH:mm} UTC expired; its capacity was released.");
            }
            c.CapacityChanged = true;
            return true;
        }, ct);

    private async Task SendEndingRemindersAsync(PortalDbContext db, DateTime now, CancellationToken ct)
    {
        var hours = transitions.Options.EndingReminderHours;
        var soon = now.AddHours(hours);
        var candidates = await db.Leases.IgnoreQueryFilters().AsNoTracking()
            .Where(l => l.State == LeaseState.Active && l.EndingReminderSentAt == null && l.End <= soon && l.End > now)
            .Select(l => new { l.Id, l.Start, l.End }).ToListAsync(ct);
        // A lease shorter than the reminder window gets none: it would arrive as it starts.
        foreach (var id in candidates.Where(l => (l.End - l.Start).TotalHours > hours).Select(l => l.Id))
            await EachAsync(id, "remind", () => transitions.ChangeAsync(id, async c =>
            {
                var l = c.Lease;
                var end = l.End;
                if (l.State != LeaseState.Active || l.EndingReminderSentAt != null || end > c.Now.AddHours(hours) || end <= c.Now) return false;
                l.EndingReminderSentAt = c.Now;
                var sku = await c.SkuNameAsync(ct);
                await c.NotifyAsync("lease.ending", $"Lease ends in {Math.Ceiling((end - c.Now).TotalHours):0} h: {l.Gpus} × {sku}",
                    $"Your lease of {l.Gpus} × {sku} in {l.RegionId} ends at {end:yyyy-MM-dd HH:mm} UTC. " +
                    "Extend it from the lease page to keep the same nodes.", ct);
                return true;
            }, ct));
    }

    // One lease's trouble must not stop the sweep for the others.
    private async Task EachAsync(Guid leaseId, string step, Func<Task> run)
    {
        try { await run(); }
        catch (Exception e) when (e is not OperationCanceledException) { logger.LogError(e, "Sweep: {Step} failed for lease {Lease}", step, leaseId); }
    }
}
