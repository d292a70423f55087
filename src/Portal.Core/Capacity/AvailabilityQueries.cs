using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;

namespace Portal.Core.Capacity;

/// <summary>
/// The availability calendar for a page view or an API call: the catalog's nodes of one region and SKU
/// and every tenant's allocations on them (firm, or held by a quote that has not expired), from today on; counted in
/// whole free nodes in a region that leases whole nodes (a Slurm region), as its planner places them.
/// </summary>
public sealed class AvailabilityQueries(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, IOptions<PoolOptions> pool, PoolFreeIndex index)
{
    public async Task<AvailabilityCalendarResult> CalendarAsync(string region, string sku, int hours = AvailabilityCalendar.NinetyDaysInHours,
        CancellationToken ct = default)
    {
        var start = StartOfToday();
        // GPU-level regions read the kept index; a whole-node region needs each node's windows (Slurm clusters are small).
        if (!pool.Value.WholeNodesOnly(region)) return await index.CalendarAsync(region, sku, start, hours, time.GetUtcNow().UtcDateTime, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = await CapacitySnapshot.NodesAsync(db, region, sku, ct);
        var allocations = await CapacitySnapshot.AllocationsAsync(db, region, sku, start, start.AddHours(hours), time.GetUtcNow().UtcDateTime, ct);
        return AvailabilityCalendar.Compute(nodes, allocations, region, sku, start, hours, pool.Value.WholeNodesOnly(region));
    }

    /// <summary>Midnight UTC today, so that the calendar's days are calendar days.</summary>
    public DateTime StartOfToday() => DateTime.SpecifyKind(time.GetUtcNow().UtcDateTime.Date, DateTimeKind.Utc);
}
