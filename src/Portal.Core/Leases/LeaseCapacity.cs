using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>Gives a lease's capacity back to the pool: expired holds, an early end, dropped extension quotes.</summary>
internal static class LeaseCapacity
{
    /// <summary>Releases holds in a pool that expired by <paramref name="now"/>, so their capacity is free for this transaction.</summary>
    public static Task<int> ReleaseExpiredHoldsAsync(PortalDbContext db, string regionId, string skuId, DateTime now, CancellationToken ct) =>
        db.Set<Allocation>()
            .Where(a => a.RegionId == regionId && a.SkuId == skuId && a.Status == AllocationStatus.Held && a.HoldExpiresAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AllocationStatus.Released), ct);

    /// <summary>
    /// Ends every allocation of a lease at the start of the current hour, or releases it if it had not
    /// begun, and drops held extensions. The current hour becomes free for others at once.
    /// </summary>
    public static void EndAllocationsAt(Lease lease, DateTime now)
    {
        var hour = CancellationPolicy.FloorHour(now);
        foreach (var a in lease.Allocations.Where(a => a.Status != AllocationStatus.Released))
        {
            if (a.Status == AllocationStatus.Held || a.Start >= hour) a.Status = AllocationStatus.Released;
            else if (a.End > hour) a.End = hour;
        }
        DropHeldExtensions(lease);
    }

    /// <summary>Gives back everything a lease holds (its allocations and held extension quotes): it ends before it ran.</summary>
    public static void ReleaseAll(Lease lease)
    {
        foreach (var a in lease.Allocations.Where(a => a.Status != AllocationStatus.Released)) a.Status = AllocationStatus.Released;
        DropHeldExtensions(lease);
    }

    /// <summary>Cancels a lease's held extension quotes and releases their held capacity; true when there were any.</summary>
    public static bool DropHeldExtensions(Lease lease)
    {
        var held = lease.Amendments.Where(a => a.State == AmendmentState.Held).ToList();
        foreach (var am in held)
        {
            am.State = AmendmentState.Cancelled;
            foreach (var a in lease.Allocations.Where(a => a.AmendmentId == am.Id && a.Status == AllocationStatus.Held)) a.Status = AllocationStatus.Released;
        }
        return held.Count > 0;
    }

    /// <summary>A signed hold becomes firm: its capacity is the lease's until the lease ends.</summary>
    public static void MakeFirm(IEnumerable<Allocation> held)
    {
        foreach (var a in held)
        {
            a.Status = AllocationStatus.Firm;
            a.HoldExpiresAt = null;
        }
    }
}
