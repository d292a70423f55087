using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Capacity;

/// <summary>
/// The availability calendar for a page view or an API call: the catalog's nodes of one region and SKU
/// and the allocations on them, from the current hour on.
/// </summary>
public sealed class AvailabilityQueries(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    public async Task<AvailabilityCalendarResult> CalendarAsync(string region, string sku, int hours = AvailabilityCalendar.NinetyDaysInHours,
        CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = await db.Nodes.AsNoTracking().Where(n => n.RegionId == region && n.SkuId == sku)
            .Select(n => new PlannerNode(n.Id, n.RegionId, n.SkuId, n.GpuCount, n.State))
            .ToListAsync(ct);
        // Allocations arrive with leases (the next issue); until then every Ready GPU is free.
        IReadOnlyList<PlannerAllocation> allocations = [];
        return AvailabilityCalendar.Compute(nodes, allocations, region, sku, StartOfToday(), hours);
    }

    /// <summary>Midnight UTC today, so that the calendar's days are calendar days.</summary>
    public DateTime StartOfToday() => DateTime.SpecifyKind(time.GetUtcNow().UtcDateTime.Date, DateTimeKind.Utc);
}
