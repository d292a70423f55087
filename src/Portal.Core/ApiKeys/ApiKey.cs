using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.ApiKeys;

/// <summary>What an API key may do. Keys never carry more than the role of the member who made them.</summary>
[Flags]
public enum ApiKeyScopes
{
    None = 0,
    /// <summary>Read the catalog, models, leases, files and batches.</summary>
    Read = 1,
    /// <summary>Upload files, create and cancel batches (the OpenAI-compatible /v1 API).</summary>
    Batches = 2,
    /// <summary>Quote, sign, extend and cancel leases.</summary>
    Leases = 4,
    /// <summary>Launch and cancel script jobs on leases, read their logs and metrics.</summary>
    Jobs = 8,
}

/// <summary>
/// A tenant's API key. The secret (<c>sk-portal-...</c>) is shown once; only its SHA-256 is kept, with a
/// prefix that identifies it on the page and in logs.
/// </summary>
public class ApiKey : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the secret, e.g. <c>sk-portal-3fK9</c>: enough to recognise it, useless to use it.</summary>
    public required string Prefix { get; set; }
    /// <summary>Lower-case hex SHA-256 of the whole secret; unique.</summary>
    public required string SecretHash { get; set; }
    public ApiKeyScopes Scopes { get; set; }
    public required string CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedByUserId { get; set; }

    public bool IsRevoked => RevokedAt is not null;
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("ApiKeys");
        b.Property(k => k.Name).HasMaxLength(100);
        b.Property(k => k.Prefix).HasMaxLength(32);
        b.Property(k => k.SecretHash).HasMaxLength(64);
        b.HasIndex(k => k.SecretHash).IsUnique();
        b.HasIndex(k => new { k.TenantId, k.CreatedAt });
        b.Property(k => k.CreatedByUserId).HasMaxLength(450);
        b.Property(k => k.RevokedByUserId).HasMaxLength(450);
        b.HasOne<Portal.Core.Tenancy.Tenant>().WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
