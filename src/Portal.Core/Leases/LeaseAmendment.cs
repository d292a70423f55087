using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Leases;

public enum AmendmentState { Held, Signed, Expired, Cancelled }

/// <summary>An extension of a lease on the same nodes: quoted, held and signed like a lease.</summary>
public class LeaseAmendment : ITenantOwned, ISignedAgreement
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid LeaseId { get; set; }
    public DateTime OldEnd { get; set; }
    public DateTime NewEnd { get; set; }
    public AmendmentState State { get; set; }
    public DateTime HoldExpiresAt { get; set; }
    public long OnDemandMicrosPerGpuHour { get; set; }
    public int DiscountBasisPoints { get; set; }
    public long MicrosPerGpuHour { get; set; }
    public long PriceMicros { get; set; }
    public string? QuoteKey { get; set; }
    public string? SignKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? SignerUserId { get; set; }
    public string? SignerName { get; set; }
    public DateTime? SignedAt { get; set; }
    public string? SignerIp { get; set; }
    public string? SignerUserAgent { get; set; }
    public string? AgreementVersion { get; set; }
    public string? AgreementSha256 { get; set; }

    public int Hours => (int)(NewEnd - OldEnd).TotalHours;
}

internal sealed class LeaseAmendmentConfiguration : IEntityTypeConfiguration<LeaseAmendment>
{
    public void Configure(EntityTypeBuilder<LeaseAmendment> b)
    {
        b.Property(a => a.State).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.QuoteKey).HasMaxLength(100);
        b.Property(a => a.SignKey).HasMaxLength(100);
        b.Property(a => a.SignerUserId).HasMaxLength(450);
        b.Property(a => a.SignerName).HasMaxLength(200);
        b.Property(a => a.SignerIp).HasMaxLength(64);
        b.Property(a => a.SignerUserAgent).HasMaxLength(512);
        b.Property(a => a.AgreementVersion).HasMaxLength(40);
        b.Property(a => a.AgreementSha256).HasMaxLength(64);
        b.HasIndex(a => new { a.TenantId, a.QuoteKey }).IsUnique();
        b.HasIndex(a => new { a.TenantId, a.SignKey }).IsUnique();
    }
}
