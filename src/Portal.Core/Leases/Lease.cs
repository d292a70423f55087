using Portal.Core.Deals;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>Where a lease is in its life (DESIGN.md, "Lease lifecycle").</summary>
public enum LeaseState { Held, PendingApproval, Scheduled, Provisioning, Active, Ending, Ended, Cancelled, Expired, Rejected, Failed }

/// <summary>
/// A tenant's contract for N GPUs of one SKU in one region over [Start, End), priced when quoted.
/// Its <see cref="Allocation"/>s place it on nodes. Money in micro-dollars.
/// </summary>
public class Lease : ITenantOwned, ISignedAgreement
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public required string RegionId { get; set; }
    public required string SkuId { get; set; }
    public int Gpus { get; set; }
    /// <summary>
    /// A flexible request's acceptable SKUs (comma-separated ids, ordinal order) that <see cref="SkuId"/> was chosen from
    /// (<see cref="FlexibleSkuChoice"/>); null for a request of one SKU. The agreement names them.
    /// </summary>
    public string? ChosenFromSkuIds { get; set; }
    public DateTime Start { get; set; }
    /// <summary>The end including every signed extension.</summary>
    public DateTime End { get; set; }
    public LeaseState State { get; set; }
    /// <summary>A node under the lease failed; cleared when every lost GPU is back on another node.</summary>
    public bool Degraded { get; set; }

    public DateTime? HoldExpiresAt { get; set; }
    public long OnDemandMicrosPerGpuHour { get; set; }
    public int DiscountBasisPoints { get; set; }
    public long MicrosPerGpuHour { get; set; }
    /// <summary>The signed price of the original window (extensions are priced on their amendment).</summary>
    public long PriceMicros { get; set; }
    public bool NeedsApproval { get; set; }

    /// <summary>Idempotency keys: the same quote or sign request sent twice acts once.</summary>
    public string? QuoteKey { get; set; }
    public string? SignKey { get; set; }

    public string? CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }

    public string? SignerUserId { get; set; }
    public string? SignerName { get; set; }
    public DateTime? SignedAt { get; set; }
    public string? SignerIp { get; set; }
    public string? SignerUserAgent { get; set; }
    public string? AgreementVersion { get; set; }
    public string? AgreementSha256 { get; set; }

    public string? DecidedBy { get; set; }
    public DateTime? DecidedAt { get; set; }
    /// <summary>Support's reason for a rejection or termination, shown to the tenant.</summary>
    public string? DecisionReason { get; set; }
    /// <summary>By when Support means to decide a lease over the approval thresholds (set at signing, business days).</summary>
    public DateTime? ReviewDueAt { get; set; }
    /// <summary>Support proposed amended terms (<see cref="LeaseOffer"/>): the tenant signs or declines them by this, else the capacity is released.</summary>
    public DateTime? OfferDueAt { get; set; }
    /// <summary>Negotiated cancellation terms; null means the standard policy's (<see cref="LeaseOptions"/>).</summary>
    public int? FreeCancellationHours { get; set; }
    public int? LateCancellationPercent { get; set; }

    public DateTime? ActivatedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    /// <summary>When an active lease was released early (its allocations end at the next whole hour).</summary>
    public DateTime? ReleasedAt { get; set; }
    /// <summary>What the cancellation policy charges for a cancellation or early release.</summary>
    public long CancellationFeeMicros { get; set; }
    /// <summary>GPU-hours lost to failed nodes that could not be replaced, credited at the lease's rate.</summary>
    public long CreditMicros { get; set; }
    public int LostGpuHours { get; set; }

    public int ProvisionAttempts { get; set; }
    public DateTime? NextProvisionAttemptAt { get; set; }
    public string? FailureReason { get; set; }
    public DateTime? EndingReminderSentAt { get; set; }

    /// <summary>Optimistic concurrency: two writers never both change the same lease unseen.</summary>
    public int Version { get; set; }

    public List<Allocation> Allocations { get; set; } = [];
    public List<LeaseAmendment> Amendments { get; set; } = [];
    public List<LeaseEvent> Events { get; set; } = [];
    /// <summary>Support's amended terms for this lease, newest last (a deal over the approval thresholds).</summary>
    public List<LeaseOffer> Offers { get; set; } = [];

    public int Hours => (int)(End - Start).TotalHours;
    public bool IsOpen => State is LeaseState.Held or LeaseState.PendingApproval or LeaseState.Scheduled
        or LeaseState.Provisioning or LeaseState.Active or LeaseState.Ending;
    public bool IsSigned => SignedAt is not null;

    public static readonly LeaseState[] OpenStates =
        [LeaseState.Held, LeaseState.PendingApproval, LeaseState.Scheduled, LeaseState.Provisioning, LeaseState.Active, LeaseState.Ending];
}

internal sealed class LeaseConfiguration : IEntityTypeConfiguration<Lease>
{
    public void Configure(EntityTypeBuilder<Lease> b)
    {
        b.Property(l => l.RegionId).HasMaxLength(40);
        b.Property(l => l.SkuId).HasMaxLength(40);
        b.Property(l => l.ChosenFromSkuIds).HasMaxLength(400);
        b.Property(l => l.State).HasConversion<string>().HasMaxLength(20);
        b.Property(l => l.QuoteKey).HasMaxLength(100);
        b.Property(l => l.SignKey).HasMaxLength(100);
        b.Property(l => l.CreatedByUserId).HasMaxLength(450);
        b.Property(l => l.SignerUserId).HasMaxLength(450);
        b.Property(l => l.SignerName).HasMaxLength(200);
        b.Property(l => l.SignerIp).HasMaxLength(64);
        b.Property(l => l.SignerUserAgent).HasMaxLength(512);
        b.Property(l => l.AgreementVersion).HasMaxLength(40);
        b.Property(l => l.AgreementSha256).HasMaxLength(64);
        b.Property(l => l.DecidedBy).HasMaxLength(256);
        b.Property(l => l.DecisionReason).HasMaxLength(500);
        b.Property(l => l.FailureReason).HasMaxLength(500);
        b.Property(l => l.Version).IsConcurrencyToken();
        b.HasIndex(l => new { l.TenantId, l.State });
        b.HasIndex(l => new { l.State, l.Start });
        b.HasIndex(l => new { l.TenantId, l.QuoteKey }).IsUnique();
        b.HasIndex(l => new { l.TenantId, l.SignKey }).IsUnique();
        b.HasOne<Tenancy.Tenant>().WithMany().HasForeignKey(l => l.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(l => l.Allocations).WithOne().HasForeignKey(a => a.LeaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(l => l.Amendments).WithOne().HasForeignKey(a => a.LeaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(l => l.Events).WithOne().HasForeignKey(e => e.LeaseId).OnDelete(DeleteBehavior.Cascade);
        b.ToTable(t =>
        {
            t.HasCheckConstraint("CK_Leases_Gpus", "\"Gpus\" > 0");
            t.HasCheckConstraint("CK_Leases_Window", "\"End\" > \"Start\"");
        });
    }
}
