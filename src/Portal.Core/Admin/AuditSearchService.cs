using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;

namespace Portal.Core.Admin;

/// <summary>Reads the audit log for Support's pages, newest first.</summary>
public sealed class AuditSearchService(IDbContextFactory<PortalDbContext> dbFactory)
{
    public async Task<PagedResult<AuditEvent>> SearchAsync(AuditQuery query, CancellationToken ct = default)
    {
        var (page, pageSize) = PagedResult<AuditEvent>.Clamp(query.Page, query.PageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var events = db.AuditEvents.AsNoTracking();
        if (query.Action?.Trim() is { Length: > 0 } action)
            events = events.Where(e => e.Action == action);
        if (query.Target?.Trim().ToLowerInvariant() is { Length: > 0 } target)
        {
            var like = LikePattern.Containing(target);
            events = events.Where(e => EF.Functions.Like(e.TargetName!.ToLower(), like, LikePattern.Escape) || e.TargetId.ToLower() == target);
        }
        if (query.Actor?.Trim().ToLowerInvariant() is { Length: > 0 } actor)
        {
            var like = LikePattern.Containing(actor);
            events = events.Where(e => EF.Functions.Like(e.ActorName.ToLower(), like, LikePattern.Escape));
        }
        await db.Database.OpenConnectionAsync(ct); // one open for the count and the page
        var total = await events.CountAsync(ct);
        var items = await Newest(events).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new(items, total, page, pageSize);
    }

    /// <summary>The latest events about one thing, e.g. a user.</summary>
    public async Task<List<AuditEvent>> ForTargetAsync(string targetType, string targetId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Newest(db.AuditEvents.AsNoTracking().Where(e => e.TargetType == targetType && e.TargetId == targetId))
            .Take(take).ToListAsync(ct);
    }

    /// <summary>The latest events about anything in one tenant, the tenant itself included.</summary>
    public async Task<List<AuditEvent>> ForTenantAsync(Guid tenantId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Newest(db.AuditEvents.AsNoTracking().Where(e => e.TenantId == tenantId)).Take(take).ToListAsync(ct);
    }

    /// <summary>The actions that occur in the log, for the filter.</summary>
    public async Task<List<string>> ActionsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AuditEvents.Select(e => e.Action).Distinct().OrderBy(a => a).ToListAsync(ct);
    }

    // Id breaks ties between events of the same instant, in the order they were written.
    private static IQueryable<AuditEvent> Newest(IQueryable<AuditEvent> events) =>
        events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id);
}
