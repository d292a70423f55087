using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Tests.Leases;

/// <summary>What <see cref="AllocationChecker"/> found: overbooked node-hours and leases whose state disagrees with their allocations.</summary>
public sealed record AllocationReport(int Leases, int Allocations, int NodeHours, List<string> Overbooked, List<string> Inconsistent)
{
    public bool Clean => Overbooked.Count == 0 && Inconsistent.Count == 0;

    public string Describe(int max = 25) =>
        $"{Overbooked.Count} overbooked node-hours, {Inconsistent.Count} inconsistent leases "
        + $"(of {Leases} leases, {Allocations} allocations, {NodeHours} node-hours):\n  "
        + string.Join("\n  ", Overbooked.Concat(Inconsistent).Take(max));
}

/// <summary>
/// Recounts the one invariant from the raw rows, written from scratch (no CapacityView, no planner), and
/// checks every lease against its allocations. "Live" allocation: Firm, or Held with its hold unexpired at
/// <c>now</c>. Rules, per lease state:
/// <list type="bullet">
/// <item>every node-hour: GPUs of live allocations ≤ the node's GPUs (and, stricter, of all unreleased
///   allocations, expired holds not yet swept included: what the database trigger enforces);</item>
/// <item>Held with a live hold: held allocations for exactly [Start, End) summing to Gpus, none firm; Held whose
///   hold expired: nothing live;</item>
/// <item>PendingApproval, Scheduled, Provisioning, Active: at every hour of [Start, End) at most Gpus firm GPUs
///   and none outside it, and the GPU-hours missing from Gpus × Hours are exactly <c>LostGpuHours</c> (hours
///   lost to failed nodes and credited); held allocations only for a live held extension;</item>
/// <item>Ending, Ended: at most Gpus firm GPUs at any hour, none outside [Start, End), none after the release hour;</item>
/// <item>Cancelled, Expired, Rejected, Failed: every allocation released;</item>
/// <item>extensions: a signed one's allocations cover [OldEnd, NewEnd) with Gpus GPUs on nodes the lease
///   already had, and the lease ends at the latest signed NewEnd; a live held one holds the same; any other
///   has nothing live.</item>
/// </list>
/// </summary>
public static class AllocationChecker
{
    private sealed record Row(Guid Id, Guid LeaseId, Guid? AmendmentId, Guid? ReplacesId, string NodeId, string RegionId, string SkuId,
        int Gpus, long Start, long End, AllocationStatus Status, long? HoldExpiresAt);

    public static async Task<AllocationReport> CheckAsync(PortalDbContext db, DateTime now, CancellationToken ct = default)
    {
        var nodes = await db.Nodes.AsNoTracking().Select(n => new { n.Id, n.RegionId, n.SkuId, n.GpuCount }).ToDictionaryAsync(n => n.Id, ct);
        var rows = (await db.Allocations.AsNoTracking().ToListAsync(ct)).Select(a => new Row(a.Id, a.LeaseId, a.AmendmentId, a.ReplacesId,
            a.NodeId, a.RegionId, a.SkuId, a.Gpus, a.Start.Ticks, a.End.Ticks, a.Status, a.HoldExpiresAt?.Ticks)).ToList();
        var leases = await db.Leases.AsNoTracking().ToListAsync(ct);
        var amendments = (await db.LeaseAmendments.AsNoTracking().ToListAsync(ct)).ToLookup(a => a.LeaseId);
        var t = now.Ticks;
        bool Live(Row a) => a.Status == AllocationStatus.Firm || (a.Status == AllocationStatus.Held && a.HoldExpiresAt > t);

        // The invariant, node-hour by node-hour.
        var live = new Dictionary<(string, long), int>();
        var unreleased = new Dictionary<(string, long), int>();
        var inconsistent = new List<string>();
        foreach (var a in rows)
        {
            if (a.Start % TimeSpan.TicksPerHour != 0 || a.End % TimeSpan.TicksPerHour != 0 || a.End <= a.Start || a.Gpus <= 0)
                inconsistent.Add($"allocation {a.Id}: window {new DateTime(a.Start):u}..{new DateTime(a.End):u} or {a.Gpus} GPUs is malformed");
            if (!nodes.TryGetValue(a.NodeId, out var node) || node.RegionId != a.RegionId || node.SkuId != a.SkuId)
                inconsistent.Add($"allocation {a.Id}: node {a.NodeId} is not a {a.SkuId} node in {a.RegionId}");
            if (a.Status == AllocationStatus.Released) continue;
            for (var h = a.Start; h < a.End; h += TimeSpan.TicksPerHour)
            {
                unreleased[(a.NodeId, h)] = unreleased.GetValueOrDefault((a.NodeId, h)) + a.Gpus;
                if (Live(a)) live[(a.NodeId, h)] = live.GetValueOrDefault((a.NodeId, h)) + a.Gpus;
            }
        }
        var overbooked = new List<string>();
        foreach (var ((nodeId, hour), gpus) in unreleased.OrderBy(kv => kv.Key))
        {
            var capacity = nodes.TryGetValue(nodeId, out var node) ? node.GpuCount : 0;
            var liveGpus = live.GetValueOrDefault((nodeId, hour));
            if (liveGpus > capacity) overbooked.Add($"node {nodeId} at {new DateTime(hour):u}: {liveGpus} GPUs allocated, {capacity} exist");
            else if (gpus > capacity)
                overbooked.Add($"node {nodeId} at {new DateTime(hour):u}: {gpus} GPUs unreleased (expired holds included), {capacity} exist");
        }

        var byLease = rows.ToLookup(a => a.LeaseId);
        foreach (var lease in leases)
            CheckLease(lease, byLease[lease.Id].ToList(), amendments[lease.Id].ToList(), t, Live, inconsistent);
        return new AllocationReport(leases.Count, rows.Count, unreleased.Count, overbooked, inconsistent);
    }

    private static void CheckLease(Lease l, List<Row> all, List<LeaseAmendment> amendments, long now, Func<Row, bool> live, List<string> problems)
    {
        var name = $"lease {l.Id} ({l.State}, {l.Gpus} GPUs {l.Start:u}..{l.End:u})";
        void Problem(string what) => problems.Add($"{name}: {what}");
        // A lease quoted "now" (StartOnActivation) starts at a minute and reserves whole hours around it: from the top of the
        // hour it was quoted in, and, until it is active, up to an hour past the hour its end falls in (the hold and the pool's margin).
        const long Hour = TimeSpan.TicksPerHour;
        var startedNow = l.Start.Ticks % Hour != 0 // (or started on activation just before a whole hour, and so at it)
            || (l.ActivatedAt is { } act && l.Start == StartOnActivation.CeilMinute(act) && l.CreatedAt.Ticks % Hour != 0);
        var pending = startedNow && l.ActivatedAt is null;
        long start = CancellationPolicy.FloorHour(l.Start).Ticks, end = CancellationPolicy.CeilHour(l.End).Ticks;
        var from = startedNow ? Math.Min(start, CancellationPolicy.FloorHour(l.CreatedAt).Ticks) : start;
        var until = pending ? end + Hour : end;
        var liveHeldAmendments = amendments.Where(a => a.State == AmendmentState.Held && a.HoldExpiresAt.Ticks > now).Select(a => a.Id).ToHashSet();
        if (all.Any(a => a.RegionId != l.RegionId || a.SkuId != l.SkuId)) Problem("an allocation is in another pool");
        var firm = all.Where(a => a.Status == AllocationStatus.Firm).ToList();
        var held = all.Where(a => a.Status == AllocationStatus.Held && live(a)).ToList();

        switch (l.State)
        {
            case LeaseState.Held when l.HoldExpiresAt?.Ticks > now:
                var basic = held.Where(a => a.AmendmentId is null).ToList();
                if (firm.Count > 0) Problem("a held quote has firm allocations");
                if (basic.Sum(a => a.Gpus) != l.Gpus) Problem($"holds {basic.Sum(a => a.Gpus)} GPUs");
                if (basic.Any(a => a.Start != from || a.End < end || a.End > until || a.HoldExpiresAt != l.HoldExpiresAt?.Ticks))
                    Problem("a hold does not match the quote's window or expiry");
                break;
            case LeaseState.Held:
                if (all.Any(live)) Problem("its hold expired but it still takes capacity");
                break;
            case LeaseState.PendingApproval or LeaseState.Scheduled or LeaseState.Provisioning or LeaseState.Active:
            {
                if (held.Any(a => a.AmendmentId is not { } id || !liveHeldAmendments.Contains(id))) Problem("holds capacity outside a live extension quote");
                var (missing, outside, over) = Coverage(firm, start, end, from, until, l.Gpus);
                if (outside > 0) Problem($"{outside} firm GPU-hours outside its window");
                if (over > 0) Problem($"{over} firm GPU-hours beyond its {l.Gpus} GPUs");
                if (missing != l.LostGpuHours) Problem($"{missing} GPU-hours are not allocated but {l.LostGpuHours} were credited as lost");
                break;
            }
            case LeaseState.Ending or LeaseState.Ended:
            {
                if (held.Count > 0) Problem("an ended lease holds capacity");
                var (_, outside, over) = Coverage(firm, start, end, from, until, l.Gpus);
                if (outside > 0 || over > 0) Problem($"{outside} firm GPU-hours outside its window, {over} beyond its GPUs");
                if (l.ReleasedAt is { } released && firm.Any(a => a.End > Math.Max(start, CancellationPolicy.FloorHour(released).Ticks)))
                    Problem("firm allocations continue after its early release");
                break;
            }
            default: // Cancelled, Expired, Rejected, Failed
                if (all.Any(a => a.Status != AllocationStatus.Released)) Problem("an unreleased allocation remains");
                break;
        }
        CheckAmendments(l, all, amendments, now, live, Problem, startedNow ? Hour : 0);
    }

    private static void CheckAmendments(Lease l, List<Row> all, List<LeaseAmendment> amendments, long now, Func<Row, bool> live, Action<string> problem,
        long slack)
    {
        var signed = amendments.Where(a => a.State == AmendmentState.Signed).ToList();
        if (signed.Count > 0 && signed.Max(a => a.NewEnd.Ticks) != l.End.Ticks) problem("its end is not its latest signed extension's");
        foreach (var am in amendments)
        {
            var mine = all.Where(a => a.AmendmentId == am.Id && a.ReplacesId is null).ToList();
            var what = $"extension {am.Id} ({am.State}, {am.OldEnd:u}..{am.NewEnd:u})";
            // Never moves nodes: each extension allocation continues a node the lease was already on.
            var before = all.Where(a => a.AmendmentId != am.Id && a.Start < am.OldEnd.Ticks).Select(a => a.NodeId).ToHashSet();
            if (mine.Any(a => !before.Contains(a.NodeId))) problem($"{what} is on a node the lease was not on");
            var isLiveHold = am.State == AmendmentState.Held && am.HoldExpiresAt.Ticks > now;
            if (am.State == AmendmentState.Signed || isLiveHold)
            {
                if (mine.Sum(a => a.Gpus) != l.Gpus) problem($"{what} has {mine.Sum(a => a.Gpus)} GPUs");
                // Full coverage of the hours is the lease's check; an early release or a failed node may shorten them.
                // (A lease that started on activation continues from the whole hour after its end, its spare hour included.)
                var oldEnd = CancellationPolicy.CeilHour(am.OldEnd).Ticks;
                if (mine.Any(a => a.Start < oldEnd || a.Start > oldEnd + slack || a.End > CancellationPolicy.CeilHour(am.NewEnd).Ticks + slack))
                    problem($"{what} allocations lie outside its window");
                if (isLiveHold && mine.Any(a => a.Status != AllocationStatus.Held || a.HoldExpiresAt != am.HoldExpiresAt.Ticks))
                    problem($"{what} is held but its allocations are not");
                if (am.State == AmendmentState.Signed && mine.Any(a => a.Status == AllocationStatus.Held)) problem($"{what} is signed but still held");
            }
            else if (mine.Any(live)) problem($"{what} still takes capacity");
        }
    }

    /// <summary>Over the lease's firm allocations: GPU-hours missing from Gpus at each hour of [start, end), outside [from, until), and beyond Gpus.</summary>
    private static (long Missing, long Outside, long Over) Coverage(List<Row> firm, long start, long end, long from, long until, int gpus)
    {
        long missing = 0, outside = 0, over = 0;
        var perHour = new Dictionary<long, int>();
        foreach (var a in firm)
            for (var h = a.Start; h < a.End; h += TimeSpan.TicksPerHour)
                perHour[h] = perHour.GetValueOrDefault(h) + a.Gpus;
        foreach (var (h, g) in perHour)
            if (h < from || h >= until) outside += g;
            else if (g > gpus) over += g - gpus;
        for (var h = start; h < end; h += TimeSpan.TicksPerHour)
            missing += Math.Max(0, gpus - perHour.GetValueOrDefault(h));
        return (missing, outside, over);
    }
}
