using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Catalog;

/// <summary>A data centre, keyed by its code (<c>us-south-1</c>).</summary>
public class Region
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    /// <summary>Retired regions stay on past leases but take no new ones.</summary>
    public DateTime? RetiredAt { get; set; }
}

internal sealed class RegionConfiguration : IEntityTypeConfiguration<Region>
{
    public void Configure(EntityTypeBuilder<Region> b)
    {
        b.Property(r => r.Id).HasMaxLength(40);
        b.Property(r => r.Name).HasMaxLength(120);
    }
}
