using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>One line of a lease's timeline: a state change or something that happened to it.</summary>
public class LeaseEvent : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid LeaseId { get; set; }
    public DateTime At { get; set; }
    /// <summary>The lease's state after the event.</summary>
    public LeaseState State { get; set; }
    public required string Message { get; set; }
    /// <summary>A user's name, "Support" or "system".</summary>
    public string? Actor { get; set; }
}

internal sealed class LeaseEventConfiguration : IEntityTypeConfiguration<LeaseEvent>
{
    public void Configure(EntityTypeBuilder<LeaseEvent> b)
    {
        b.Property(e => e.State).HasConversion<string>().HasMaxLength(20);
        b.Property(e => e.Message).HasMaxLength(1000);
        b.Property(e => e.Actor).HasMaxLength(256);
        b.HasIndex(e => new { e.LeaseId, e.At });
    }
}
