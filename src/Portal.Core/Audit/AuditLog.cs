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
}
