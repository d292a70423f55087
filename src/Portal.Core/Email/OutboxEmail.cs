using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Email;

/// <summary>A message the embedded sender kept instead of sending, for a developer to read.</summary>
public class OutboxEmail
{
    public long Id { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string To { get; set; }
    public required string Subject { get; set; }
    public required string HtmlBody { get; set; }
}

internal sealed class OutboxEmailConfiguration : IEntityTypeConfiguration<OutboxEmail>
{
    public void Configure(EntityTypeBuilder<OutboxEmail> b)
    {
        b.Property(e => e.To).HasMaxLength(256);
        b.Property(e => e.Subject).HasMaxLength(256);
        b.HasIndex(e => e.CreatedAt);
    }
}
