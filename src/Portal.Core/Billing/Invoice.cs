using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Billing;

/// <summary>
/// Draft: being prepared (not shown to the tenant; the issuing job goes straight to Issued today). Issued: owed.
/// Paid: Support recorded the payment. Void: cancelled by Support; a re-issue replaces it with a new number.
/// </summary>
public enum InvoiceState { Draft, Issued, Paid, Void }

/// <summary>
/// A tenant's monthly invoice: what it used in one UTC calendar month (usage records), the cancellation fees of
/// that month, less the credits it had. Money in micro-dollars. At most one non-void invoice per tenant and month
/// (a filtered unique index), so issuing twice issues once.
/// </summary>
public class Invoice : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    /// <summary>Human and unique: <c>INV-2026-11-0001</c> (the period's year and month, then a sequence).</summary>
    public required string Number { get; set; }
    /// <summary>The first instant of the month billed (UTC, day 1, 00:00).</summary>
    public DateTime PeriodStart { get; set; }
    public InvoiceState State { get; set; }
    /// <summary>Usage and fees before credits.</summary>
    public long SubtotalMicros { get; set; }
    /// <summary>Credits applied to this invoice (never more than the subtotal).</summary>
    public long CreditsMicros { get; set; }
    /// <summary>What is owed: subtotal less credits, never below zero.</summary>
    public long TotalMicros { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? IssuedAt { get; set; }
    public DateTime? PaidAt { get; set; }
    /// <summary>Support's note when marking paid (a bank transfer's reference, say).</summary>
    public string? PaymentReference { get; set; }
    public DateTime? VoidedAt { get; set; }
    public string? VoidReason { get; set; }
    /// <summary>The void invoice this one re-issues.</summary>
    public Guid? ReplacesInvoiceId { get; set; }
    /// <summary>When the "invoice issued" e-mail went to the billing address (null: not yet, or the Owners were told instead).</summary>
    public DateTime? EmailedAt { get; set; }
    public int Version { get; set; }

    public List<InvoiceLine> Lines { get; set; } = [];

    public DateTime PeriodEnd => PeriodStart.AddMonths(1);
}

public enum InvoiceLineKind { Lease, Model, CancellationFee, SlaNote }

/// <summary>
/// One line of an invoice: a lease's GPU-hours (SKU, region, rate), a model's tokens, a cancellation fee, or an SLA
/// note (GPU-hours lost to failed nodes, which were never charged: amount 0, worth shown for the record).
/// </summary>
public class InvoiceLine : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid InvoiceId { get; set; }
    public int Position { get; set; }
    public InvoiceLineKind Kind { get; set; }
    public required string Description { get; set; }
    public Guid? LeaseId { get; set; }
    public string? SkuId { get; set; }
    public string? RegionId { get; set; }
    public string? Model { get; set; }
    public long GpuSeconds { get; set; }
    /// <summary>The lease's locked rate; null when its hours were at several rates (an extension priced differently).</summary>
    public long? MicrosPerGpuHour { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long AmountMicros { get; set; }
    /// <summary>For an SLA note: what the lost GPU-hours would have cost (not charged).</summary>
    public long NotChargedMicros { get; set; }

    public decimal GpuHours => GpuSeconds / 3600m;
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> b)
    {
        b.Property(x => x.Number).HasMaxLength(32);
        b.HasIndex(x => x.Number).IsUnique();
        b.Property(x => x.State).HasConversion<string>().HasMaxLength(10);
        b.Property(x => x.PaymentReference).HasMaxLength(200);
        b.Property(x => x.VoidReason).HasMaxLength(500);
        b.Property(x => x.Version).IsConcurrencyToken();
        // Issuing twice issues once: one live invoice per tenant and month, whoever races.
        b.HasIndex(x => new { x.TenantId, x.PeriodStart }).IsUnique().HasFilter("\"State\" <> 'Void'");
        b.HasIndex(x => new { x.State, x.PeriodStart });
        b.HasOne<Tenancy.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Invoice>().WithMany().HasForeignKey(x => x.ReplacesInvoiceId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
        b.ToTable(t => t.HasCheckConstraint("CK_Invoices_Total", "\"TotalMicros\" >= 0"));
    }
}

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> b)
    {
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Description).HasMaxLength(300);
        b.Property(x => x.SkuId).HasMaxLength(64);
        b.Property(x => x.RegionId).HasMaxLength(64);
        b.Property(x => x.Model).HasMaxLength(80);
        b.HasIndex(x => new { x.InvoiceId, x.Position });
    }
}
