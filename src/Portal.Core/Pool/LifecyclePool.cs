using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Pool;
using Portal.Core.Leases;

namespace Portal.Core.Pool;

/// <summary>A reservation asked of the pool for one allocation, and what the pool said.</summary>
public sealed record PoolReservation(Allocation Allocation, ReservationResult Result);

/// <summary>
/// The lifecycle's side of the pool: reserves and releases allocations through the driver, outside any
/// database transaction (pool calls are slow), and records each outcome at once in its own short update
/// (<see cref="Allocation.ReservedAt"/>, <see cref="Allocation.PoolReleasedAt"/>). The database is the truth
/// and the pool follows it; every call is idempotent by allocation id, so a job killed halfway and run
/// again asks again and ends with the same reservations, none doubled.
/// </summary>
public sealed class LifecyclePool(IGpuPoolDriver pool, IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time,
    ILogger<LifecyclePool> logger)
{
    private const int Parallelism = 8;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Reserves allocations, several at once. A driver error counts as a failed reservation; only the job's own
    /// cancellation (shutdown) stops it, leaving what is done recorded. <paramref name="recordEach"/> false leaves recording
    /// to the caller (<see cref="BatchedReservations"/> records a whole batch in one update).
    /// </summary>
    public async Task<List<PoolReservation>> ReserveAsync(IReadOnlyList<Allocation> allocations, CancellationToken ct, bool recordEach = true)
    {
        var results = new ConcurrentBag<PoolReservation>();
        var accounts = await AccountsAsync(allocations, ct);
        await Parallel.ForEachAsync(allocations, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (a, _) =>
            {
                var asked = Now;
                var result = await TryReserveAsync(Hold(a, accounts), ct);
                // A lease that ended on this node may still hold it on the pool (back-to-back leases): give back
                // what the database says is over, then ask once more. Also when its release finished only after we asked
                // (another worker's): without that second look the lease waited out a whole backoff (15 s on Slurm).
                if (result.Outcome == ReservationOutcome.InsufficientGpus
                    && (await ReleaseStaleOnNodeAsync(a.NodeId, ct) > 0 || await ReleasedSinceAsync(a.NodeId, asked, ct)))
                    result = await TryReserveAsync(Hold(a, accounts), ct);
                if (result.Succeeded && recordEach) await RecordReservedAsync([a.Id], ct);
                results.Add(new PoolReservation(a, result));
            });
        return [.. results];
    }

    /// <summary>Marks allocations reserved without asking the pool: ones an earlier reservation already covers.</summary>
    public async Task RecordReservedAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = Now;
        await db.Allocations.Where(a => ids.Contains(a.Id) && a.ReservedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.ReservedAt, now), ct);
    }

    /// <summary>Gives allocations back to the pool one by one, recording each; a driver error stops here for a retry.</summary>
    public async Task ReleaseAsync(IEnumerable<Allocation> allocations, CancellationToken ct)
    {
        var list = allocations.ToList();
        var accounts = await AccountsAsync(list, ct);
        foreach (var a in list)
        {
            await pool.ReleaseAsync(Hold(a, accounts), ct);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = Now;
            await db.Allocations.Where(x => x.Id == a.Id && x.PoolReleasedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.PoolReleasedAt, now), ct);
        }
    }

    /// <summary>Whether the pool gave anything on the node back since <paramref name="since"/>.</summary>
    private async Task<bool> ReleasedSinceAsync(string nodeId, DateTime since, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Allocations.AnyAsync(a => a.NodeId == nodeId && a.PoolReleasedAt >= since, ct);
    }

    /// <summary>Releases every reservation the pool holds on a node for allocations the database says are over.</summary>
    public async Task<int> ReleaseStaleOnNodeAsync(string nodeId, CancellationToken ct, bool everything = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var held = await db.Allocations.AsNoTracking()
            .Where(a => a.NodeId == nodeId && a.ReservedAt != null && a.PoolReleasedAt == null).ToListAsync(ct);
        if (held.Count == 0) return 0;
        var leaseIds = held.Select(a => a.LeaseId).Distinct().ToList();
        var states = await db.Leases.IgnoreQueryFilters().Where(l => leaseIds.Contains(l.Id))
            .ToDictionaryAsync(l => l.Id, l => l.State, ct);
        var siblings = await db.Allocations.AsNoTracking().Where(a => a.NodeId == nodeId && leaseIds.Contains(a.LeaseId)).ToListAsync(ct);
        var now = Now;
        var stale = held.Where(a => everything || NeedsRelease(a, states[a.LeaseId], siblings.Where(s => s.LeaseId == a.LeaseId).ToList(), now)).ToList();
        if (stale.Count > 0) logger.LogInformation("Releasing {Count} stale reservations on node {Node}", stale.Count, nodeId);
        await ReleaseAsync(stale, ct);
        return stale.Count;
    }

    /// <summary>The lease's allocations whose reservation the pool should give back now.</summary>
    public static List<Allocation> NeedingRelease(Lease lease, DateTime now) =>
        lease.Allocations.Where(a => NeedsRelease(a, lease.State, lease.Allocations, now)).ToList();

    /// <summary>
    /// Reserved and not yet given back, and no longer needed: its lease is over, it was released, or its window
    /// passed and no extension on the same node continues it (an extension keeps the first reservation).
    /// </summary>
    public static bool NeedsRelease(Allocation a, LeaseState state, IReadOnlyCollection<Allocation> sameLease, DateTime now) =>
        a.ReservedAt != null && a.PoolReleasedAt == null
        && (!IsRunning(state) || a.Status == AllocationStatus.Released
            || (a.End <= now && !ContinuesLive(a, sameLease, now)));

    /// <summary>States in which a lease may hold GPUs on the pool.</summary>
    public static bool IsRunning(LeaseState state) =>
        state is LeaseState.Scheduled or LeaseState.PendingApproval or LeaseState.Provisioning or LeaseState.Active;

    /// <summary>The firm allocation of the same lease that continues <paramref name="a"/> on its node (an extension), if any.</summary>
    public static Allocation? Successor(Allocation a, IEnumerable<Allocation> sameLease) =>
        sameLease.FirstOrDefault(s => s.Id != a.Id && s.NodeId == a.NodeId && s.Gpus == a.Gpus
            && s.Status == AllocationStatus.Firm && s.Start == a.End);

    /// <summary>The firm, reserved allocation that <paramref name="a"/> continues on the same node, if any.</summary>
    public static Allocation? ReservedPredecessor(Allocation a, IEnumerable<Allocation> sameLease) =>
        sameLease.FirstOrDefault(p => p.Id != a.Id && p.NodeId == a.NodeId && p.Gpus == a.Gpus
            && p.Status == AllocationStatus.Firm && p.ReservedAt != null && p.PoolReleasedAt == null
            && p.End == a.Start);

    private static bool ContinuesLive(Allocation a, IReadOnlyCollection<Allocation> sameLease, DateTime now, int depth = 0) =>
        Successor(a, sameLease) is { } s && depth < 64 && (s.End > now || ContinuesLive(s, sameLease, now, depth + 1));

    /// <summary>
    /// Extensions that continue a held reservation on the same node: the pool moves the reservation's end (Slurm; the
    /// simulator's have none), and each is recorded reserved once the pool agreed. A refusal is a failed reservation.
    /// </summary>
    public async Task<List<PoolReservation>> ExtendAsync(IReadOnlyList<Allocation> continuing, CancellationToken ct)
    {
        var results = new List<PoolReservation>();
        var accounts = await AccountsAsync(continuing, ct);
        foreach (var a in continuing)
        {
            var result = await TryAsync(a, () => pool.ExtendAsync(Hold(a, accounts), ct), ct);
            if (result.Succeeded) await RecordReservedAsync([a.Id], ct);
            results.Add(new PoolReservation(a, result));
        }
        return results;
    }

    /// <summary>The pool's view of an allocation: its lease, window and the tenant's pool account.</summary>
    private static PoolHold Hold(Allocation a, IReadOnlyDictionary<Guid, Guid> tenantOfLease) =>
        new(a.LeaseId, a.Id, a.NodeId, a.Gpus, a.Start, a.End, PoolAccount.For(tenantOfLease.GetValueOrDefault(a.LeaseId)));

    private async Task<Dictionary<Guid, Guid>> AccountsAsync(IEnumerable<Allocation> allocations, CancellationToken ct)
    {
        var leaseIds = allocations.Select(a => a.LeaseId).Distinct().ToList();
        if (leaseIds.Count == 0) return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Leases.IgnoreQueryFilters().Where(l => leaseIds.Contains(l.Id)).ToDictionaryAsync(l => l.Id, l => l.TenantId, ct);
    }

    private Task<ReservationResult> TryReserveAsync(PoolHold hold, CancellationToken ct) =>
        TryAsync(hold, () => pool.ReserveAsync(hold, ct), ct);

    private async Task<ReservationResult> TryAsync(object what, Func<Task<ReservationResult>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Asking the pool for {Hold} failed", what);
            return new ReservationResult(ReservationOutcome.Failed, $"the pool did not answer ({e.GetType().Name})");
        }
    }
}
