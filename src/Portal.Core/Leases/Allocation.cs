using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Leases;

/// <summary>Held: a quote's, expiring. Firm: signed. Released: no longer counts against the node.</summary>
public enum AllocationStatus { Held, Firm, Released }

/// <summary>
/// G GPUs on one node over [Start, End): the one invariant is that on every node at every hour the
/// GPUs of its unreleased allocations are at most the node's GPUs. Not tenant-owned on purpose: the
/// planner must see every tenant's allocations to place anyone's; pages reach them only through a lease.
/// </summary>
public class Allocation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid LeaseId { get; set; }
    /// <summary>Set for the allocations an extension adds.</summary>
    public Guid? AmendmentId { get; set; }
    public required string NodeId { get; set; }
    public required string RegionId { get; set; }
    public required string SkuId { get; set; }
    public int Gpus { get; set; }
    public DateTime Start { get; set; }
    public DateTime End { get; set; }
    public AllocationStatus Status { get; set; }
    public DateTime? HoldExpiresAt { get; set; }
    /// <summary>When the pool confirmed the reservation; null until provisioned.</summary>
    public DateTime? ReservedAt { get; set; }
    /// <summary>When the pool's reservation was given back.</summary>
    public DateTime? PoolReleasedAt { get; set; }
    /// <summary>The allocation on a failed node that this one replaces.</summary>
    public Guid? ReplacesId { get; set; }
}

internal sealed class AllocationConfiguration : IEntityTypeConfiguration<Allocation>
{
    public void Configure(EntityTypeBuilder<Allocation> b)
    {
        b.Property(a => a.NodeId).HasMaxLength(64);
        b.Property(a => a.RegionId).HasMaxLength(40);
        b.Property(a => a.SkuId).HasMaxLength(40);
        b.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(a => new { a.RegionId, a.SkuId, a.Status, a.End });
        b.HasIndex(a => new { a.NodeId, a.Start });
        b.HasOne<Catalog.Node>().WithMany().HasForeignKey(a => a.NodeId).OnDelete(DeleteBehavior.Restrict);
        b.ToTable(t =>
        {
            t.HasCheckConstraint("CK_Allocations_Gpus", "\"Gpus\" > 0");
            t.HasCheckConstraint("CK_Allocations_Window", "\"End\" > \"Start\"");
        });
    }
}
