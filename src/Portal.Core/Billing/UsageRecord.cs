using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Billing;

/// <summary>Where a usage record comes from.</summary>
public enum UsageSource { Lease, Batch }

/// <summary>
/// What one lease or batch used in one UTC hour, at the price locked for it (a lease's signed rate, a batch's
/// model batch prices). The hourly metering job writes at most one per (tenant, hour, source, source id), so a
/// re-run, a late run or a run after downtime finds the record there and writes nothing twice. Per SKU and per
/// model totals, invoices and the usage page are sums over these.
/// </summary>
public class UsageRecord : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    /// <summary>The UTC hour [PeriodStart, PeriodStart + 1 h) this record covers.</summary>
    public DateTime PeriodStart { get; set; }
    public UsageSource Source { get; set; }
    /// <summary>The lease id (a Guid as text) or the batch id (<c>batch_…</c>).</summary>
    public required string SourceId { get; set; }
    /// <summary>A lease's SKU and region; null for a batch.</summary>
    public string? SkuId { get; set; }
    public string? RegionId { get; set; }
    /// <summary>A batch's model; null for a lease.</summary>
    public string? Model { get; set; }
    /// <summary>GPU-seconds used in the hour (GPU-hours x 3600, exact), after hours lost to failed nodes.</summary>
    public long GpuSeconds { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    /// <summary>What this usage costs, in micro-dollars.</summary>
    public long AmountMicros { get; set; }
    public DateTime RecordedAt { get; set; }
}

internal sealed class UsageRecordConfiguration : IEntityTypeConfiguration<UsageRecord>
{
    public void Configure(EntityTypeBuilder<UsageRecord> b)
    {
        b.Property(x => x.Source).HasConversion<string>().HasMaxLength(10);
        b.Property(x => x.SourceId).HasMaxLength(40);
        b.Property(x => x.SkuId).HasMaxLength(64);
        b.Property(x => x.RegionId).HasMaxLength(64);
        b.Property(x => x.Model).HasMaxLength(80);
        // The database itself refuses a second record for the same source and hour.
        b.HasIndex(x => new { x.TenantId, x.PeriodStart, x.Source, x.SourceId }).IsUnique();
        b.HasIndex(x => x.PeriodStart);
        b.HasOne<Portal.Core.Tenancy.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
