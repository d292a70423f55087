using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// A signed agreement's (or amendment's) stored file with its SHA-256: the signed terms (".json", <see cref="SignedTerms"/>,
/// whose hash the lease records) written at signing, and the PDF rendered from them afterwards (".pdf", <see cref="AgreementPdfJob"/>).
/// </summary>
public class LeaseDocument : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid LeaseId { get; set; }
    public Guid? AmendmentId { get; set; }
    public required string FileName { get; set; }
    public required string Sha256 { get; set; }
    public required byte[] Content { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class LeaseDocumentConfiguration : IEntityTypeConfiguration<LeaseDocument>
{
    public void Configure(EntityTypeBuilder<LeaseDocument> b)
    {
        b.ToTable("LeaseDocuments");
        b.Property(d => d.FileName).HasMaxLength(200);
        b.Property(d => d.Sha256).HasMaxLength(64);
        b.HasIndex(d => d.LeaseId);
        b.HasOne<Lease>().WithMany().HasForeignKey(d => d.LeaseId).OnDelete(DeleteBehavior.Cascade);
    }
}
