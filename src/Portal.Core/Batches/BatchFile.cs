using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Batches;

/// <summary>
/// An OpenAI-style file (<c>file-...</c>): a batch input a tenant uploaded, or an output or error file a batch
/// produced. The bytes live on disk under <c>Files:Root</c> (one file per id); the row says what they are.
/// </summary>
public class BatchFile : ITenantOwned
{
    /// <summary><c>file-</c> + 24 random characters, as OpenAI's.</summary>
    public required string Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Filename { get; set; }
    /// <summary>OpenAI's purposes: <c>batch</c> (input), <c>batch_output</c> (a batch's output or error file).</summary>
    public required string Purpose { get; set; }
    public long Bytes { get; set; }
    /// <summary>Lines in the file (0 until known), for the pages.</summary>
    public int Lines { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When the retention job deletes it (output files); null: kept until deleted.</summary>
    public DateTime? ExpiresAt { get; set; }
    /// <summary>Deleted by the tenant or expired: the row stays (a batch still names it), the bytes are gone.</summary>
    public DateTime? DeletedAt { get; set; }
    public string? CreatedByUserId { get; set; }
}

internal sealed class BatchFileConfiguration : IEntityTypeConfiguration<BatchFile>
{
    public void Configure(EntityTypeBuilder<BatchFile> b)
    {
        b.ToTable("BatchFiles");
        b.Property(f => f.Id).HasMaxLength(40);
        b.Property(f => f.Filename).HasMaxLength(255);
        b.Property(f => f.Purpose).HasMaxLength(20);
        b.Property(f => f.CreatedByUserId).HasMaxLength(450);
        b.HasIndex(f => new { f.TenantId, f.CreatedAt });
        b.HasIndex(f => f.ExpiresAt);
        b.HasOne<Portal.Core.Tenancy.Tenant>().WithMany().HasForeignKey(f => f.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
