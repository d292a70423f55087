using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Pool;

/// <summary>
/// One row per region and SKU: on PostgreSQL, every transaction that places or frees capacity in
/// that pool locks this row first (<see cref="Data.PortalLocks.BeginPoolAsync"/>), so placements never interleave.
/// <see cref="Version"/> counts the changes, so a cached view can tell it is stale.
/// </summary>
public class CapacityPool
{
    public required string RegionId { get; set; }
    public required string SkuId { get; set; }
    public long Version { get; set; }
}

internal sealed class CapacityPoolConfiguration : IEntityTypeConfiguration<CapacityPool>
{
    public void Configure(EntityTypeBuilder<CapacityPool> b)
    {
        b.ToTable("CapacityPools");
        b.HasKey(p => new { p.RegionId, p.SkuId });
        b.Property(p => p.RegionId).HasMaxLength(40);
        b.Property(p => p.SkuId).HasMaxLength(40);
    }
}
