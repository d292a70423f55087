using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Catalog;

/// <summary>One GPU server of one SKU in one region, as the pool reports it.</summary>
public class Node
{
    public required string Id { get; set; }
    public required string RegionId { get; set; }
    public required string SkuId { get; set; }
    public int GpuCount { get; set; }
    public NodeState State { get; set; }

    public Region? Region { get; set; }
    public GpuSku? Sku { get; set; }
}

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> b)
    {
        b.Property(n => n.Id).HasMaxLength(64);
        b.Property(n => n.State).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(n => new { n.RegionId, n.SkuId });
        b.HasOne(n => n.Region).WithMany().HasForeignKey(n => n.RegionId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(n => n.Sku).WithMany().HasForeignKey(n => n.SkuId).OnDelete(DeleteBehavior.Restrict);
    }
}
