using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Audit;

/// <summary>
/// Who did what to which thing, when and from where. Support's log across tenants, so not tenant-owned:
/// <see cref="TenantId"/> only records which tenant the thing belonged to.
/// </summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public string? ActorUserId { get; set; }
    public required string ActorName { get; set; }
    /// <summary>Dotted verb, e.g. <c>tenant.suspended</c>.</summary>
    public required string Action { get; set; }
    public required string TargetType { get; set; }
    public required string TargetId { get; set; }
    public string? TargetName { get; set; }
    public Guid? TenantId { get; set; }
    public string? Reason { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.Property(e => e.ActorName).HasMaxLength(256);
        b.Property(e => e.Action).HasMaxLength(64);
        b.Property(e => e.TargetType).HasMaxLength(64);
        b.Property(e => e.TargetId).HasMaxLength(64);
        b.Property(e => e.TargetName).HasMaxLength(256);
        b.Property(e => e.Reason).HasMaxLength(500);
        b.Property(e => e.IpAddress).HasMaxLength(64);
        b.Property(e => e.UserAgent).HasMaxLength(512);
        b.HasIndex(e => e.At);
        b.HasIndex(e => new { e.TargetType, e.TargetId });
    }
}
