using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Tenancy;

public enum TenantState { Active, Suspended }

/// <summary>A customer organisation.</summary>
public class Tenant
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>URL-safe, unique, lower case: <c>acme-ai</c>.</summary>
    public required string Slug { get; set; }
    public TenantState State { get; set; }
    /// <summary>Why Support suspended it; shown to the tenant's members.</summary>
    public string? SuspendedReason { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>
    /// The monthly spend limit its Owners set, in micro-dollars, never above <see cref="SpendCeilingMicros"/> (null: no
    /// limit but the ceiling). See <c>Portal.Core.Spend.SpendMonth</c>.
    /// </summary>
    public long? SpendLimitMicros { get; set; }
    /// <summary>Where invoices go (null: the Owners' addresses).</summary>
    public string? BillingEmail { get; set; }
    /// <summary>The highest monthly spend limit Owners may set, in micro-dollars, set by Support; null means the default.</summary>
    public long? SpendCeilingMicros { get; set; }
    /// <summary>
    /// Support checked who this is. Until then the defaults are the low unverified ones (<c>Leases:UnverifiedGpuQuota</c>,
    /// <c>Spend:UnverifiedCeilingMicros</c>), so a new sign-up cannot hold the pool; a quota or ceiling Support set wins.
    /// </summary>
    public bool Verified { get; set; }

    public List<Membership> Memberships { get; set; } = [];
}

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.Property(t => t.Slug).HasMaxLength(40);
        b.HasIndex(t => t.Slug).IsUnique();
        b.Property(t => t.State).HasConversion<string>().HasMaxLength(20);
        b.Property(t => t.SuspendedReason).HasMaxLength(500);
        b.Property(t => t.BillingEmail).HasMaxLength(256);
    }
}
