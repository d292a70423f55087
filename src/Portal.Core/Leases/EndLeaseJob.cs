using Portal.Core.Pool;
namespace Portal.Core.Leases;

/// <summary>
/// At a lease's end: Active → Ending → every reservation given back to the pool → Ended. Also what gives the
/// pool back whatever a cancelled, released, terminated or failed lease still holds; a lease released early
/// (Ending) becomes Ended once its reservations are back. A lease that never became active by its end is
/// Failed (not charged). Run early it changes nothing; killed halfway and run again it finishes the release.
/// </summary>
public sealed class EndLeaseJob(LeaseTransitions transitions, LifecyclePool pool)
{
    public async Task RunAsync(Guid leaseId, CancellationToken ct = default)
    {
        var lease = await transitions.FindAsync(leaseId, ct);
        if (lease is null) return;
        var now = transitions.Now;
        if (lease.End <= now && LeaseStateMachine.Allows(lease.State, LeaseAction.Fail))
            lease = await transitions.ChangeAsync(leaseId, async c =>
            {
                if (c.Lease.End > c.Now || !LeaseStateMachine.Allows(c.Lease.State, LeaseAction.Fail)) return false;
                await transitions.FailAsync(c, "It reached its end before the pool could provision it.", ct);
                return true;
            }, ct);
        else if (lease.End <= now && LeaseStateMachine.Allows(lease.State, LeaseAction.BeginEnding))
            lease = await transitions.ChangeAsync(leaseId, c =>
            {
                if (c.Lease.End > c.Now || !LeaseStateMachine.Allows(c.Lease.State, LeaseAction.BeginEnding)) return false; // extended meanwhile
                LeaseStateMachine.Apply(c.Lease, LeaseAction.BeginEnding);
                c.Event("Ending: giving the GPUs back to the pool.");
                // An extension quoted but not signed by the end dies with the lease, as on an early release: its
                // hold would otherwise keep the capacity after the lease ended, until the hold expired.
                if (LeaseCapacity.DropHeldExtensions(c.Lease)) c.CapacityChanged = true;
                return true;
            }, ct);
        if (lease is null) return;

        await pool.ReleaseAsync(LifecyclePool.NeedingRelease(lease, transitions.Now), ct);
        if (lease.State != LeaseState.Ending) return;

        await transitions.ChangeAsync(leaseId, async c =>
        {
            var l = c.Lease;
            if (!LeaseStateMachine.Allows(l.State, LeaseAction.End) || l.Allocations.Any(a => a.ReservedAt != null && a.PoolReleasedAt == null)) return false;
            LeaseStateMachine.Apply(l, LeaseAction.End);
            l.EndedAt = c.Now;
            var early = l.ReleasedAt is not null;
            c.Event(early ? "Ended early; the GPUs are back in the pool." : "Ended: the GPUs are back in the pool.");
            var sku = await c.SkuNameAsync(ct);
            var end = early ? l.ReleasedAt!.Value : l.End;
            await c.NotifyAsync("lease.ended", $"Lease ended: {l.Gpus} × {sku}",
                $"Your lease of {l.Gpus} × {sku} in {l.RegionId} ended{(early ? " early" : "")} at {end:yyyy-MM-dd HH:mm} UTC.", ct);
            return true;
        }, ct);
    }
}
