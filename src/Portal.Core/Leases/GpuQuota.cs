using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// The most GPUs of one SKU a tenant may hold at any one time across its open leases, set by Support;
/// without a row the default (<c>Leases:DefaultGpuQuota</c>) applies.
/// </summary>
public class GpuQuota : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string SkuId { get; set; }
    public int MaxGpus { get; set; }
}

internal sealed class GpuQuotaConfiguration : IEntityTypeConfiguration<GpuQuota>
{
    public void Configure(EntityTypeBuilder<GpuQuota> b)
    {
        b.ToTable("GpuQuotas");
        b.HasKey(q => new { q.TenantId, q.SkuId });
        b.Property(q => q.SkuId).HasMaxLength(40);
    }
}
