using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Notifications;

/// <summary>
/// A message to one member of a tenant, shown under the bell and e-mailed. Written in the same
/// transaction as what it reports (a transactional outbox); <see cref="EmailedAt"/> is set once sent.
/// </summary>
public class Notification : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public required string UserId { get; set; }
    /// <summary>e.g. lease.signed, lease.active, lease.ending, lease.ended, lease.failed, lease.degraded, lease.approval.</summary>
    public required string Kind { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    /// <summary>Where the notification leads in the portal, e.g. /leases/{id}.</summary>
    public string? Link { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ReadAt { get; set; }
    public DateTime? EmailedAt { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> b)
    {
        b.Property(n => n.UserId).HasMaxLength(450);
        b.Property(n => n.Kind).HasMaxLength(40);
        b.Property(n => n.Title).HasMaxLength(200);
        b.Property(n => n.Body).HasMaxLength(2000);
        b.Property(n => n.Link).HasMaxLength(300);
        b.HasIndex(n => new { n.TenantId, n.UserId, n.ReadAt });
        b.HasIndex(n => n.EmailedAt);
    }
}
