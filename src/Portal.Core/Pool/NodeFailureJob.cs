using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Pool;

/// <summary>
/// A node failed. For every lease with firm GPUs on it after the current hour (active leases first): the lost
/// allocations end at the current hour (or are released if they had not begun), the lease turns Degraded, and
/// the lost window is placed on another Ready node of the same region and SKU. Placed: the new allocation is
/// reserved on the pool and Degraded clears. Not placed: the lost GPU-hours are credited and the lease keeps
/// running on what is left. The tenant is told either way. Run twice for one failure, the second run finds
/// nothing on the node and changes nothing.
/// </summary>
public sealed class NodeFailureJob(IDbContextFactory<PortalDbContext> dbFactory, LeaseTransitions transitions, LifecyclePool pool,
    ProvisionLeaseJob provision, IOptions<PoolOptions> poolOptions, ILogger<NodeFailureJob> logger)
{
    private readonly CapacityPlanner _planner = new();

    public async Task RunAsync(string nodeId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var state = await db.Nodes.Where(n => n.Id == nodeId).Select(n => (NodeState?)n.State).FirstOrDefaultAsync(ct);
        if (state != NodeState.Failed) return; // repaired already, or no such node
        var hour = CancellationPolicy.FloorHour(transitions.Now);
        var affected = await db.Allocations.Where(a => a.NodeId == nodeId && a.Status == AllocationStatus.Firm && a.End > hour)
            .Join(db.Leases.IgnoreQueryFilters(), a => a.LeaseId, l => l.Id, (a, l) => new { l.Id, l.State, l.Start })
            .Distinct().ToListAsync(ct);
        foreach (var lease in affected.OrderBy(l => Priority(l.State)).ThenBy(l => l.Start))
        {
            if (await MoveOrCreditAsync(lease.Id, nodeId, ct) is not { } changed) continue;
            logger.LogWarning("Node {Node} failed: lease {Lease} is {State}{Degraded}", nodeId, changed.Id, changed.State,
                changed.Degraded ? " (degraded)" : "");
            // Outside the transaction: give back what the dead node held, then reserve the replacement.
            await pool.ReleaseAsync(LifecyclePool.NeedingRelease(changed, transitions.Now), ct);
            await provision.RunAsync(changed.Id, ct);
        }
        // Nothing on a failed node needs its reservation any more, whoever held it.
        await pool.ReleaseStaleOnNodeAsync(nodeId, ct, everything: true);
    }

    private static int Priority(LeaseState s) => s switch
    {
        LeaseState.Active => 0, LeaseState.Provisioning => 1, LeaseState.Scheduled => 2, _ => 3,
    };

    /// <summary>The lease as saved when it changed; null when nothing of it was left on the node.</summary>
    private async Task<Lease?> MoveOrCreditAsync(Guid leaseId, string nodeId, CancellationToken ct)
    {
        var changed = false;
        var lease = await transitions.ChangeAsync(leaseId, async c =>
        {
            var l = c.Lease;
            var hour = CancellationPolicy.FloorHour(c.Now);
            var lost = l.Allocations.Where(a => a.NodeId == nodeId && a.Status == AllocationStatus.Firm && a.End > hour)
                .OrderBy(a => a.Start).ToList();
            if (lost.Count == 0 || !LifecyclePool.IsRunning(l.State)) return false;
            var windows = LostWindows(lost, hour);
            foreach (var a in lost)
            {
                if (a.Start >= hour) a.Status = AllocationStatus.Released;
                else a.End = hour;
            }
            l.Degraded = true;
            c.CapacityChanged = true;
            WithdrawHeldExtensions(c, nodeId);
            c.Event($"Degraded: node {nodeId} failed; {Counted.Gpus(FirstGpus(windows))} lost from {windows.Min(w => w.Start):yyyy-MM-dd HH:mm} UTC.");

            // The view treats expired holds as free but the overbooking trigger still counts them: release them first.
            await LeaseCapacity.ReleaseExpiredHoldsAsync(c.Db, l.RegionId, l.SkuId, c.Now, ct);
            var view = await CapacitySnapshot.ViewAsync(c.Db, l.RegionId, l.SkuId, windows.Min(w => w.Start), windows.Max(w => w.End), c.Now, ct);
            var moved = new List<Allocation>();
            var unplaced = new List<LostWindow>();
            foreach (var w in windows)
            {
                var request = new PlacementRequest(l.RegionId, l.SkuId, w.Gpus, w.Start, w.End) { WholeNodes = poolOptions.Value.WholeNodesOnly(l.RegionId) };
                if (_planner.Plan(view, request) is not Placement placement)
                {
                    unplaced.Add(w);
                    continue;
                }
                view.Commit(placement);
                moved.AddRange(placement.Nodes.Select(n => new Allocation
                {
                    LeaseId = l.Id, NodeId = n.NodeId, RegionId = l.RegionId, SkuId = l.SkuId, Gpus = n.Gpus,
                    Start = w.Start, End = w.End, Status = AllocationStatus.Firm, ReplacesId = w.ReplacesId,
                }));
            }
            c.Db.Allocations.AddRange(moved); // explicitly Added: found through the lease, a set Guid key would read as an update
            if (moved.Count > 0)
                c.Event($"Moving {Counted.Gpus(moved.Sum(a => a.Gpus))} from node {nodeId} to {Catalog.NodeRanges.Format(moved.Select(a => a.NodeId))}.");
            if (unplaced.Count > 0) await CreditAsync(c, nodeId, unplaced, ct);
            else if (l.State != LeaseState.Active && LeaseTransitions.IsWhole(l, c.Now))
                await transitions.RestoreAsync(c, ct); // nothing to reserve yet: moved is done
            changed = true;
            return true;
        }, ct);
        return changed ? lease : null;
    }

    private static async Task CreditAsync(LeaseChange c, string nodeId, List<LostWindow> unplaced, CancellationToken ct)
    {
        var l = c.Lease;
        var gpuHours = unplaced.Sum(w => w.Gpus * w.Hours);
        l.LostGpuHours += gpuHours;
        l.CreditMicros += gpuHours * l.MicrosPerGpuHour;
        var remaining = l.Gpus - FirstGpus(unplaced);
        c.Event($"No free node could take {Counted.Gpus(FirstGpus(unplaced))}: {Counted.GpuHours(gpuHours)} credited " +
            $"({Money.Format(gpuHours * l.MicrosPerGpuHour)}).");
        var sku = await c.SkuNameAsync(ct);
        await c.NotifyAsync("lease.degraded", $"Lease degraded: node {nodeId} failed",
            $"Node {nodeId} under your lease of {l.Gpus} × {sku} in {l.RegionId} failed, and no other {sku} node there was free " +
            $"for {FirstGpus(unplaced)} of its GPUs. The lease continues on {Counted.Gpus(Math.Max(0, remaining))}; " +
            $"the {Counted.Of(gpuHours, "lost GPU-hour")} " +
            $"are credited to you ({Money.Format(gpuHours * l.MicrosPerGpuHour)}).", ct);
    }

    /// <summary>A held extension quote continues the lease on the same nodes, the failed one too: it cannot be signed any more.</summary>
    private static void WithdrawHeldExtensions(LeaseChange c, string nodeId)
    {
        foreach (var am in c.Lease.Amendments.Where(am => am.State == AmendmentState.Held))
        {
            var held = c.Lease.Allocations.Where(a => a.AmendmentId == am.Id && a.Status == AllocationStatus.Held).ToList();
            if (!held.Any(a => a.NodeId == nodeId)) continue;
            am.State = AmendmentState.Cancelled;
            held.ForEach(a => a.Status = AllocationStatus.Released);
            c.Event($"Extension quote withdrawn: node {nodeId} failed.");
        }
    }

    // GPUs lost at the first lost hour (several allocations on one node count together).
    private static int FirstGpus(List<LostWindow> windows) =>
        windows.Where(w => w.Start == windows.Min(x => x.Start)).Sum(w => w.Gpus);

    /// <summary>The lost windows from the current hour on, an allocation and the extensions continuing it made one.</summary>
    private static List<LostWindow> LostWindows(List<Allocation> lost, DateTime hour)
    {
        var windows = new List<LostWindow>();
        foreach (var a in lost)
        {
            var start = a.Start > hour ? a.Start : hour;
            var end = a.End;
            if (windows.Count > 0 && windows[^1] is var last && last.End == start && last.Gpus == a.Gpus)
                windows[^1] = last with { End = end };
            else
                windows.Add(new LostWindow(a.Id, a.Gpus, start, end));
        }
        return windows;
    }

    private sealed record LostWindow(Guid ReplacesId, int Gpus, DateTime Start, DateTime End)
    {
        public int Hours => (int)(End - Start).TotalHours;
    }
}
