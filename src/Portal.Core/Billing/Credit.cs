using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Billing;

public enum CreditKind { SlaCredit, CancellationRefund, Goodwill }

/// <summary>
/// Money given back to a tenant, taken off its next invoices: Support's goodwill, a refunded cancellation fee, or
/// an SLA credit beyond the lost hours (which are never charged in the first place). A credit may be spread over
/// several invoices (<see cref="CreditApplication"/>): what an invoice does not use carries over.
/// </summary>
public class Credit : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public long AmountMicros { get; set; }
    public CreditKind Kind { get; set; }
    public required string Reason { get; set; }
    public Guid? LeaseId { get; set; }
    public string? CreatedByUserId { get; set; }
    public required string CreatedByName { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Optimistic concurrency: two invoices never spend the same credit unseen.</summary>
    public int Version { get; set; }

    public List<CreditApplication> Applications { get; set; } = [];
}

/// <summary>How much of a credit one invoice used. A void invoice's applications no longer count: the credit is free again.</summary>
public class CreditApplication : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid CreditId { get; set; }
    public Guid InvoiceId { get; set; }
    public long AmountMicros { get; set; }
}

internal sealed class CreditConfiguration : IEntityTypeConfiguration<Credit>
{
    public void Configure(EntityTypeBuilder<Credit> b)
    {
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Reason).HasMaxLength(500);
        b.Property(x => x.CreatedByUserId).HasMaxLength(450);
        b.Property(x => x.CreatedByName).HasMaxLength(256);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => new { x.TenantId, x.CreatedAt });
        b.HasOne<Tenancy.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Applications).WithOne().HasForeignKey(a => a.CreditId).OnDelete(DeleteBehavior.Cascade);
        b.ToTable(t => t.HasCheckConstraint("CK_Credits_Amount", "\"AmountMicros\" > 0"));
    }
}

internal sealed class CreditApplicationConfiguration : IEntityTypeConfiguration<CreditApplication>
{
    public void Configure(EntityTypeBuilder<CreditApplication> b)
    {
        b.HasIndex(x => new { x.CreditId, x.InvoiceId }).IsUnique();
        b.HasOne<Invoice>().WithMany().HasForeignKey(x => x.InvoiceId).OnDelete(DeleteBehavior.Cascade);
        b.ToTable(t => t.HasCheckConstraint("CK_CreditApplications_Amount", "\"AmountMicros\" > 0"));
    }
}
