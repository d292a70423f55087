using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Deals;

/// <summary>Proposed: waiting for the tenant. Accepted: signed, the lease runs on it. Declined, Withdrawn (replaced by a newer one), Lapsed: not.</summary>
public enum OfferState { Proposed, Accepted, Declined, Withdrawn, Lapsed }

/// <summary>
/// Support's amended terms for a lease under review (a deal): a negotiated rate with its reason, a window and cancellation
/// terms. The tenant signs them like an agreement (click-wrap, canonical JSON and its hash) before the lease is scheduled on them.
/// </summary>
public class LeaseOffer : ITenantOwned, ISignedAgreement
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid LeaseId { get; set; }
    public OfferState State { get; set; }
    public DateTime Start { get; set; }
    public DateTime End { get; set; }
    /// <summary>The negotiated rate: what billing charges per GPU-hour once accepted.</summary>
    public long MicrosPerGpuHour { get; set; }
    public long PriceMicros { get; set; }
    public int FreeCancellationHours { get; set; }
    public int LateCancellationPercent { get; set; }
    /// <summary>Support's reason for the terms, shown to the tenant and named in the agreement.</summary>
    public required string Reason { get; set; }
    public required string ProposedBy { get; set; }
    public DateTime ProposedAt { get; set; }
    /// <summary>The tenant signs or declines by this, else the lease's capacity is released.</summary>
    public DateTime RespondBy { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public string? SignKey { get; set; }
    public string? SignerUserId { get; set; }
    public string? SignerName { get; set; }
    public DateTime? SignedAt { get; set; }
    public string? SignerIp { get; set; }
    public string? SignerUserAgent { get; set; }
    public string? AgreementVersion { get; set; }
    public string? AgreementSha256 { get; set; }

    public int Hours => (int)(End - Start).TotalHours;
}

internal sealed class LeaseOfferConfiguration : IEntityTypeConfiguration<LeaseOffer>
{
    public void Configure(EntityTypeBuilder<LeaseOffer> b)
    {
        b.ToTable("LeaseOffers");
        b.Property(o => o.State).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.Reason).HasMaxLength(500);
        b.Property(o => o.ProposedBy).HasMaxLength(256);
        b.Property(o => o.SignKey).HasMaxLength(100);
        b.Property(o => o.SignerUserId).HasMaxLength(450);
        b.Property(o => o.SignerName).HasMaxLength(200);
        b.Property(o => o.SignerIp).HasMaxLength(64);
        b.Property(o => o.SignerUserAgent).HasMaxLength(512);
        b.Property(o => o.AgreementVersion).HasMaxLength(40);
        b.Property(o => o.AgreementSha256).HasMaxLength(64);
        b.HasIndex(o => o.LeaseId);
        b.HasOne<Lease>().WithMany(l => l.Offers).HasForeignKey(o => o.LeaseId).OnDelete(DeleteBehavior.Cascade);
        b.ToTable(t =>
        {
            t.HasCheckConstraint("CK_LeaseOffers_Window", "\"End\" > \"Start\"");
            t.HasCheckConstraint("CK_LeaseOffers_Rate", "\"MicrosPerGpuHour\" >= 0");
        });
    }
}
