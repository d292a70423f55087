using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;

namespace Portal.Core.Capacity;

/// <summary>
/// Free capacity of one pool (region and SKU) over a calendar, computed once and kept while it is true: until the pool's
/// version moves (every placement, release or node state change bumps it, <see cref="PoolTransaction"/>), the day turns,
/// or the first quote's hold counted in it expires. Checking costs one small query; computing reads the pool's
/// allocations grouped by window in the database (a 100,000-allocation pool leases nodes in groups: a few thousand
/// rows), never one row per node per hour. Concurrent readers of a stale entry share one computation.
/// </summary>
public sealed class PoolFreeIndex(IServiceScopeFactory scopes)
{
    private sealed record Entry(long Version, int Nodes, DateTime ValidUntil, Task<AvailabilityCalendarResult> Result);
    private readonly record struct Key(string Region, string Sku, DateTime Start, int Hours);

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    public async Task<AvailabilityCalendarResult> CalendarAsync(string region, string sku, DateTime start, int hours, DateTime now,
        CancellationToken ct)
    {
        // A singleton shared by every request: its own scope for each context (the context factory is scoped).
        await using var scope = scopes.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var (version, nodes) = await StampAsync(db, region, sku, ct);
        var key = new Key(region, sku, start, hours);
        if (_entries.TryGetValue(key, out var cached) && cached.Version == version && cached.Nodes == nodes && now < cached.ValidUntil
            && !cached.Result.IsFaulted && !cached.Result.IsCanceled)
            return await cached.Result;
        if (_entries.Count > 256) _entries.Clear(); // many calendars asked (other starts, lengths): stay bounded
        var validUntil = await HoldExpiryAsync(db, region, sku, start, hours, now, ct);
        var entry = new Entry(version, nodes, validUntil, ComputeAsync(region, sku, start, hours, now, CancellationToken.None));
        _entries[key] = entry;
        return await entry.Result.WaitAsync(ct);
    }

    // The version, and the node count (a node added by Support or the pool's sync counts even before its first placement).
    private static async Task<(long Version, int Nodes)> StampAsync(PortalDbContext db, string region, string sku, CancellationToken ct)
    {
        var version = await db.Set<CapacityPool>().Where(p => p.RegionId == region && p.SkuId == sku).Select(p => (long?)p.Version)
            .FirstOrDefaultAsync(ct) ?? 0;
        var nodes = await db.Nodes.CountAsync(n => n.RegionId == region && n.SkuId == sku, ct);
        return (version, nodes);
    }

    // A hold counts until it expires; the calendar is true only until the first counted hold lapses.
    private static async Task<DateTime> HoldExpiryAsync(PortalDbContext db, string region, string sku, DateTime start, int hours, DateTime now,
        CancellationToken ct)
    {
        var end = start.AddHours(hours);
        return await db.Allocations.Where(a => a.RegionId == region && a.SkuId == sku && a.Status == AllocationStatus.Held
                && a.HoldExpiresAt > now && a.End > start && a.Start < end)
            .MinAsync(a => a.HoldExpiresAt, ct) ?? DateTime.MaxValue;
    }

    private async Task<AvailabilityCalendarResult> ComputeAsync(string region, string sku, DateTime start, int hours, DateTime now,
        CancellationToken ct)
    {
        // A singleton shared by every request: its own scope for each context (the context factory is scoped).
        await using var scope = scopes.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        var end = start.AddHours(hours);
        var nodes = await CapacitySnapshot.NodesAsync(db, region, sku, ct);
        // GPUs per window on Ready nodes (what the calendar counts), summed in the database.
        var windows = await (from a in db.Allocations
                             join n in db.Nodes on a.NodeId equals n.Id
                             where a.RegionId == region && a.SkuId == sku && a.Status != AllocationStatus.Released && a.End > start && a.Start < end
                                   && (a.Status == AllocationStatus.Firm || a.HoldExpiresAt > now) && n.State == Catalog.NodeState.Ready
                             group a by new { a.Start, a.End } into g
                             select new { g.Key.Start, g.Key.End, Gpus = g.Sum(a => a.Gpus) }).ToListAsync(ct);
        return AvailabilityCalendar.ComputeSummed(nodes, windows.Select(w => (w.Start, w.End, w.Gpus)), region, sku, start, hours);
    }
}
