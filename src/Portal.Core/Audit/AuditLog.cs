using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Audit;

/// <summary>
/// Who is acting and from where: one per request or circuit, filled in by the web host.
/// Background jobs leave it empty and are recorded as "system".
/// </summary>
public sealed class AuditOrigin
{
    public string? UserId { get; set; }
    public string? UserName { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
}

/// <summary>Adds audit events to the caller's context, so that they commit with the action they record.</summary>
public sealed class AuditLog(AuditOrigin origin, TimeProvider time)
{
    public AuditEvent Add(PortalDbContext db, string action, string targetType, string targetId,
        string? targetName = null, Guid? tenantId = null, string? reason = null)
    {
        var e = new AuditEvent
        {
            At = time.GetUtcNow().UtcDateTime,
            ActorUserId = origin.UserId,
            ActorName = origin.UserName ?? "system",
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            TargetName = targetName,
            TenantId = tenantId,
            Reason = reason,
            IpAddress = origin.IpAddress,
            UserAgent = origin.UserAgent is { Length: > 512 } ua ? ua[..512] : origin.UserAgent,
        };
        db.AuditEvents.Add(e);
        return e;
    }

    /// <summary>Opening the same thing again within this window (a reload, prerender then interactive) is one view.</summary>
    public static readonly TimeSpan ViewDedupWindow = TimeSpan.FromMinutes(10);

    /// <summary>Records and saves that the actor opened something (Support crossing into a tenant), once within <see cref="ViewDedupWindow"/>.</summary>
    public async Task AddViewAsync(PortalDbContext db, string action, string targetType, string targetId, string? targetName, Guid? tenantId,
        CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime - ViewDedupWindow;
        if (await db.AuditEvents.AnyAsync(e => e.TargetType == targetType && e.TargetId == targetId
            && e.Action == action && e.ActorUserId == origin.UserId && e.At >= since, ct))
            return;
        Add(db, action, targetType, targetId, targetName, tenantId);
        await db.SaveChangesAsync(ct);
    }
}
