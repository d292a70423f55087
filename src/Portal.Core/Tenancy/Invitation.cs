using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>
/// An invitation to join an organisation with a role, sent by e-mail as a link that works once and expires after
/// <see cref="InvitationToken.Lifetime"/>. Only the token's SHA-256 is kept. Resending replaces the invitation with a
/// new one (a new link), so the old link stops working and says why.
/// </summary>
public class Invitation : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    /// <summary>The invitee's address, trimmed and lower-cased (compared with users' addresses the same way).</summary>
    public required string Email { get; set; }
    public TenantRole Role { get; set; }
    /// <summary>Lower-case hex SHA-256 of the link's token; unique.</summary>
    public required string TokenHash { get; set; }
    public required string InvitedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public string? AcceptedByUserId { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedByUserId { get; set; }
    /// <summary>Set when a resend replaced this invitation (then <see cref="RevokedAt"/> is set too).</summary>
    public Guid? ReplacedById { get; set; }

    public bool IsOpen => AcceptedAt is null && RevokedAt is null;
    public bool IsExpired(DateTime now) => ExpiresAt <= now;

    public Tenant? Tenant { get; set; }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> b)
    {
        b.Property(i => i.Email).HasMaxLength(256);
        b.Property(i => i.Role).HasConversion<string>().HasMaxLength(20);
        b.Property(i => i.TokenHash).HasMaxLength(64);
        b.HasIndex(i => i.TokenHash).IsUnique();
        b.Property(i => i.InvitedByUserId).HasMaxLength(450);
        b.Property(i => i.AcceptedByUserId).HasMaxLength(450);
        b.Property(i => i.RevokedByUserId).HasMaxLength(450);
        // One open invitation per address and organisation, also when two Admins invite the same person at once.
        b.HasIndex(i => new { i.TenantId, i.Email }).IsUnique().HasFilter("\"AcceptedAt\" IS NULL AND \"RevokedAt\" IS NULL");
        b.HasOne(i => i.Tenant).WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
