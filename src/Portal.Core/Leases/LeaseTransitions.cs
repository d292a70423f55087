using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;

namespace Portal.Core.Leases;

/// <summary>
/// How the lifecycle jobs change a lease: load it in its tenant's scope inside a <see cref="PoolTransaction"/>,
/// apply a change that re-checks the lease's state first, save with the lease's <see cref="Lease.Version"/>
/// (a concurrent writer makes the change run again on fresh data), then wake open pages. A change that
/// finds nothing to do returns false and writes nothing, which is what makes every job idempotent.
/// </summary>
public sealed class LeaseTransitions(
    IDbContextFactory<PortalDbContext> dbFactory, Notifier notifier, AuditLog audit, TimeProvider time, IOptions<LeaseOptions> options)
{
    private const int MaxConflicts = 3;

    public LeaseOptions Options => options.Value;
    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>A lease with its allocations, untracked, whatever its tenant; null if there is none.</summary>
    public async Task<Lease?> FindAsync(Guid leaseId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Leases.IgnoreQueryFilters().AsNoTracking().Include(l => l.Allocations)
            .FirstOrDefaultAsync(l => l.Id == leaseId, ct);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the lease and commits it. Returns the lease as saved (or as found, when
    /// the change had nothing to do); null when there is no such lease.
    /// </summary>
    public async Task<Lease?> ChangeAsync(Guid leaseId, Func<LeaseChange, Task<bool>> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var key = await db.Leases.IgnoreQueryFilters().AsNoTracking().Where(l => l.Id == leaseId)
                .Select(l => new { l.TenantId, l.RegionId, l.SkuId }).FirstOrDefaultAsync(ct);
            if (key is null) return null;
            db.ForTenant(key.TenantId); // a job acts for the lease's tenant only
            await using var tx = await PoolTransaction.BeginAsync(db, key.RegionId, key.SkuId, ct);
            var lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Amendments).FirstAsync(l => l.Id == leaseId, ct);
            var c = new LeaseChange(this, db, lease, Now);
            if (!await change(c)) return lease;
            try
            {
                await LeaseCommit.SaveAsync(db, tx, notifier, lease, c.CapacityChanged, c.Notified, ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxConflicts)
            {
                continue; // another writer changed the lease first: decide again on what it wrote
            }
            return lease;
        }
    }

    public Task<Lease?> ChangeAsync(Guid leaseId, Func<LeaseChange, bool> change, CancellationToken ct) =>
        ChangeAsync(leaseId, c => Task.FromResult(change(c)), ct);

    /// <summary>
    /// A signed lease that will not run: every allocation released (the capacity is free at once), held
    /// extensions dropped, Failed with the reason; the tenant is told it will not be charged. The pool's
    /// reservations are given back by the caller after the commit.
    /// </summary>
    public async Task FailAsync(LeaseChange c, string reason, CancellationToken ct)
    {
        var lease = c.Lease;
        LeaseCapacity.ReleaseAll(lease);
        LeaseStateMachine.Apply(lease, LeaseAction.Fail);
        lease.FailureReason = reason.Length > 500 ? reason[..500] : reason;
        lease.NextProvisionAttemptAt = null;
        c.CapacityChanged = true;
        c.Event($"Failed: {lease.FailureReason} The capacity was released; this lease will not be charged.");
        audit.Add(c.Db, "lease.failed", "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId}", lease.TenantId, lease.FailureReason);
        var sku = await c.SkuNameAsync(ct);
        await c.NotifyAsync("lease.failed", $"Lease failed: {lease.Gpus} × {sku}",
            $"We could not provision your lease of {lease.Gpus} × {sku} in {lease.RegionId} ({lease.FailureReason}). " +
            "Its capacity was released and you will not be charged for it.", ct);
    }

    /// <summary>Clears <see cref="Lease.Degraded"/> once every lost GPU runs again on another node, and tells the tenant.</summary>
    public async Task RestoreAsync(LeaseChange c, CancellationToken ct)
    {
        var lease = c.Lease;
        lease.Degraded = false;
        var nodes = NodeRanges.Format(lease.Allocations
            .Where(a => a.ReplacesId != null && a.Status == AllocationStatus.Firm && a.End > c.Now).Select(a => a.NodeId));
        c.Event($"Moved to node {nodes}: all {Counted.Gpus(lease.Gpus)} are running again.");
        var sku = await c.SkuNameAsync(ct);
        await c.NotifyAsync("lease.degraded", "Lease moved to another node",
            $"A node under your lease of {lease.Gpus} × {sku} in {lease.RegionId} failed. Its GPUs were moved to node {nodes}; " +
            $"the lease has all {Counted.Gpus(lease.Gpus)} again.", ct);
    }

    /// <summary>
    /// True when the lease has all its GPUs at the current hour (its start, if later): firm allocations cover
    /// them, and for an active lease the pool holds them.
    /// </summary>
    public static bool IsWhole(Lease lease, DateTime now)
    {
        var hour = CancellationPolicy.FloorHour(now);
        var at = lease.Start > hour ? lease.Start : hour;
        var covering = lease.Allocations.Where(a => a.Status == AllocationStatus.Firm
            && a.Start <= at && a.End > at).ToList();
        return covering.Sum(a => a.Gpus) >= lease.Gpus
               && (lease.State != LeaseState.Active || covering.All(a => a.ReservedAt != null));
    }

    internal void Audit(PortalDbContext db, string action, Lease lease, string? reason = null) =>
        audit.Add(db, action, "Lease", lease.Id.ToString(), $"{lease.Gpus} × {lease.SkuId}", lease.TenantId, reason);

    internal Task AddNotificationAsync(PortalDbContext db, Lease lease, string kind, string title, string body, CancellationToken ct) =>
        notifier.AddAsync(db, lease.TenantId, kind, title, body, LeaseLinks.Lease(lease.Id), ct: ct);

}

/// <summary>One change to one lease inside <see cref="LeaseTransitions.ChangeAsync"/>: its context, the lease, the time.</summary>
public sealed class LeaseChange(LeaseTransitions transitions, PortalDbContext db, Lease lease, DateTime now)
{
    private string? _skuName;

    public PortalDbContext Db { get; } = db;
    public Lease Lease { get; } = lease;
    public DateTime Now { get; } = now;
    /// <summary>Set when allocations were released, ended or added: the pool's version moves on.</summary>
    public bool CapacityChanged { get; set; }
    internal bool Notified { get; private set; }

    /// <summary>A line on the lease's timeline, with the state the lease has now.</summary>
    public void Event(string message) => Lease.Events.Add(new LeaseEvent
    {
        TenantId = Lease.TenantId, LeaseId = Lease.Id, At = Now, State = Lease.State, Message = message, Actor = "system",
    });

    public async Task NotifyAsync(string kind, string title, string body, CancellationToken ct)
    {
        await transitions.AddNotificationAsync(Db, Lease, kind, title, body, ct);
        Notified = true;
    }

    public async Task<string> SkuNameAsync(CancellationToken ct) =>
        _skuName ??= await Db.Set<GpuSku>().Where(s => s.Id == Lease.SkuId).Select(s => s.Name).FirstOrDefaultAsync(ct) ?? Lease.SkuId;
}
