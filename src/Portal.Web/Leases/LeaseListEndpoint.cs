using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>GET /api/v1/leases: the organisation's leases, newest first, a page at a time.</summary>
internal static class LeaseListEndpoint
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 200;

    /// <summary>
    /// The organisation's leases, newest first, a page at a time by keyset (<c>after</c> = the last id of the
    /// previous page), so that leases created meanwhile neither repeat nor go missing. Query values are read as
    /// text so that a bad one is a validation problem naming it.
    /// </summary>
    public static async Task<IResult> ListAsync(string? state, string? sku, string? region, string? limit, string? after,
        IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        LeaseState? wanted = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            if (!int.TryParse(state, out _) && Enum.TryParse<LeaseState>(state.Trim(), ignoreCase: true, out var s)) wanted = s;
            else errors["state"] = [$"'{state}' is not a lease state: use one of {string.Join(", ", Enum.GetNames<LeaseState>())}."];
        }
        var take = DefaultListLimit;
        if (!string.IsNullOrWhiteSpace(limit) && (!int.TryParse(limit, out take) || take < 1 || take > MaxListLimit))
            errors["limit"] = [$"The limit is a number from 1 to {MaxListLimit}."];
        Guid? afterId = null;
        if (!string.IsNullOrWhiteSpace(after))
        {
            if (Guid.TryParse(after, out var a)) afterId = a;
            else errors["after"] = ["'after' is the id of the last lease of the previous page (nextAfter)."];
        }
        if (errors.Count > 0) return LeaseProblems.Invalid(errors);

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var leases = db.Leases.AsNoTracking();
        if (wanted is { } w) leases = w switch
        {
            LeaseState.Expired => leases.Where(l => l.State == LeaseState.Expired || (l.State == LeaseState.Held && l.HoldExpiresAt <= now)),
            LeaseState.Held => leases.Where(l => l.State == LeaseState.Held && l.HoldExpiresAt > now),
            _ => leases.Where(l => l.State == w),
        };
        if (!string.IsNullOrWhiteSpace(sku)) leases = leases.Where(l => l.SkuId == sku.Trim());
        if (!string.IsNullOrWhiteSpace(region)) leases = leases.Where(l => l.RegionId == region.Trim());
        if (afterId is { } cursorId)
        {
            // The tenant filter applies: another tenant's id is not a cursor.
            var cursor = await db.Leases.Where(l => l.Id == cursorId).Select(l => new { l.CreatedAt }).FirstOrDefaultAsync(ct);
            if (cursor is null) return LeaseProblems.Invalid("after", $"There is no lease {cursorId} in your organisation.");
            leases = leases.Where(l => l.CreatedAt < cursor.CreatedAt || (l.CreatedAt == cursor.CreatedAt && l.Id.CompareTo(cursorId) < 0));
        }
        var page = await leases.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id).Take(take + 1).ToListAsync(ct);
        var hasMore = page.Count > take;
        if (hasMore) page.RemoveAt(take);
        return TypedResults.Ok(new LeaseListJson([.. page.Select(l => new LeaseSummaryJson(l, now))], hasMore, hasMore ? page[^1].Id : null));
    }
}
