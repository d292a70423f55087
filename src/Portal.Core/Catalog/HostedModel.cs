using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Catalog;

public enum ModelKind { Chat, Embeddings }

/// <summary>A hosted model, keyed by the name API callers use (<c>llama-3.3-70b-instruct</c>). Batch prices in micro-dollars.</summary>
public class HostedModel
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public ModelKind Kind { get; set; }
    public required string Description { get; set; }
    public int ContextLength { get; set; }
    public bool OpenWeights { get; set; }
    /// <summary>E.g. "Llama 3.3 Community License" or "Proprietary".</summary>
    public required string Licence { get; set; }
    public long InputMicrosPerMillionTokens { get; set; }
    public long OutputMicrosPerMillionTokens { get; set; }
    public required string ServingSkuId { get; set; }
    public DateTime? RetiredAt { get; set; }

    public GpuSku? ServingSku { get; set; }
    public List<ModelDeployment> Deployments { get; set; } = [];
}

/// <summary>Where a model answers: an OpenAI-compatible base URL in a region.</summary>
public class ModelDeployment
{
    public int Id { get; set; }
    public required string ModelId { get; set; }
    public required string RegionId { get; set; }
    /// <summary>An OpenAI-compatible base URL, or <c>simulator:</c> for the embedded simulated pool.</summary>
    public required string BaseUrl { get; set; }
}

internal sealed class HostedModelConfiguration : IEntityTypeConfiguration<HostedModel>
{
    public void Configure(EntityTypeBuilder<HostedModel> b)
    {
        b.ToTable("Models");
        b.Property(m => m.Id).HasMaxLength(80);
        b.Property(m => m.Name).HasMaxLength(120);
        b.Property(m => m.Description).HasMaxLength(1000);
        b.Property(m => m.Licence).HasMaxLength(120);
        b.Property(m => m.Kind).HasConversion<string>().HasMaxLength(20);
        b.HasOne(m => m.ServingSku).WithMany().HasForeignKey(m => m.ServingSkuId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(m => m.Deployments).WithOne().HasForeignKey(d => d.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ModelDeploymentConfiguration : IEntityTypeConfiguration<ModelDeployment>
{
    public void Configure(EntityTypeBuilder<ModelDeployment> b)
    {
        b.ToTable("ModelDeployments");
        b.Property(d => d.BaseUrl).HasMaxLength(400);
        b.HasIndex(d => new { d.ModelId, d.RegionId }).IsUnique();
        b.HasOne<Region>().WithMany().HasForeignKey(d => d.RegionId).OnDelete(DeleteBehavior.Restrict);
    }
}
