using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Catalog;

/// <summary>A GPU server offering, keyed by a readable code (<c>h100-sxm-80gb</c>). Money in micro-dollars.</summary>
public class GpuSku
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The GPU itself, e.g. "NVIDIA H100 SXM".</summary>
    public required string GpuModel { get; set; }
    public int MemoryGbPerGpu { get; set; }
    public int GpusPerNode { get; set; }
    public required string Interconnect { get; set; }
    public int VcpusPerGpu { get; set; }
    public int RamGbPerGpu { get; set; }
    public long OnDemandMicrosPerGpuHour { get; set; }
    public DateTime? RetiredAt { get; set; }

    /// <summary>Longer commitments cost less per GPU-hour; the longest term the lease reaches applies.</summary>
    public List<TermDiscount> TermDiscounts { get; set; } = [];

    /// <summary>The discount in basis points for a lease of <paramref name="hours"/> hours.</summary>
    public int DiscountBasisPointsFor(int hours) =>
        TermDiscounts.Where(d => hours >= d.MinHours).Select(d => d.BasisPoints).DefaultIfEmpty(0).Max();

    /// <summary>Price per GPU-hour after the term discount, rounded down to the micro-dollar.</summary>
    public long MicrosPerGpuHourFor(int hours) => OnDemandMicrosPerGpuHour * (10_000 - DiscountBasisPointsFor(hours)) / 10_000;
}

/// <summary>E.g. 1,500 basis points (15%) off for leases of 720 hours (30 days) or more.</summary>
public class TermDiscount
{
    public int Id { get; set; }
    public required string SkuId { get; set; }
    public int MinHours { get; set; }
    public int BasisPoints { get; set; }
}

internal sealed class GpuSkuConfiguration : IEntityTypeConfiguration<GpuSku>
{
    public void Configure(EntityTypeBuilder<GpuSku> b)
    {
        b.Property(s => s.Id).HasMaxLength(40);
        b.Property(s => s.Name).HasMaxLength(120);
        b.Property(s => s.GpuModel).HasMaxLength(80);
        b.Property(s => s.Interconnect).HasMaxLength(120);
        b.HasMany(s => s.TermDiscounts).WithOne().HasForeignKey(d => d.SkuId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(s => s.TermDiscounts).AutoInclude();
    }
}

internal sealed class TermDiscountConfiguration : IEntityTypeConfiguration<TermDiscount>
{
    public void Configure(EntityTypeBuilder<TermDiscount> b)
    {
        b.ToTable("TermDiscounts");
        b.HasIndex(d => new { d.SkuId, d.MinHours }).IsUnique();
    }
}
