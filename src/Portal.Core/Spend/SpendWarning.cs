using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Spend;

/// <summary>
/// That a tenant was warned its spend reached <see cref="Percent"/> % of its monthly limit in the month starting
/// <see cref="MonthStart"/>: unique per (tenant, month, percent) in the database, so a warning goes out once, whoever runs.
/// </summary>
public class SpendWarning : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    /// <summary>The first instant (UTC) of the month.</summary>
    public DateTime MonthStart { get; set; }
    public int Percent { get; set; }
    public long SpentMicros { get; set; }
    public long LimitMicros { get; set; }
    public long ForecastMicros { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>The tenant's billing address when warned (null: none set; Owners hear through their notifications).</summary>
    public string? BillingEmail { get; set; }
    public DateTime? BillingEmailSentAt { get; set; }
}

internal sealed class SpendWarningConfiguration : IEntityTypeConfiguration<SpendWarning>
{
    public void Configure(EntityTypeBuilder<SpendWarning> b)
    {
        b.Property(w => w.BillingEmail).HasMaxLength(256);
        b.HasIndex(w => new { w.TenantId, w.MonthStart, w.Percent }).IsUnique();
        b.HasIndex(w => w.BillingEmailSentAt);
        b.HasOne<Tenancy.Tenant>().WithMany().HasForeignKey(w => w.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
