using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.Batches;

/// <summary>OpenAI's batch statuses (JSON: <c>validating</c>, <c>in_progress</c> ...).</summary>
public enum BatchStatus { Validating, Failed, InProgress, Finalizing, Completed, Expired, Cancelling, Cancelled }

/// <summary>
/// An inference batch (<c>batch_...</c>): a file of requests run against one model, as OpenAI's Batch API.
/// Timestamps are UTC; money in micro-dollars.
/// </summary>
public class Batch : ITenantOwned
{
    /// <summary><c>batch_</c> + 24 random characters.</summary>
    public required string Id { get; set; }
    public Guid TenantId { get; set; }
    /// <summary><c>/v1/chat/completions</c>, <c>/v1/completions</c> or <c>/v1/embeddings</c>.</summary>
    public required string Endpoint { get; set; }
    public required string InputFileId { get; set; }
    public string CompletionWindow { get; set; } = "24h";
    public BatchStatus Status { get; set; }
    /// <summary>The one model of the file's lines, known after validation.</summary>
    public string? Model { get; set; }
    public string? OutputFileId { get; set; }
    public string? ErrorFileId { get; set; }
    /// <summary>OpenAI's <c>errors.data</c> (file-level validation problems) as JSON: [{code, message, param, line}].</summary>
    public string? ErrorsJson { get; set; }
    /// <summary>Up to 16 string pairs, as JSON.</summary>
    public string? MetadataJson { get; set; }

    public int RequestTotal { get; set; }
    public int RequestCompleted { get; set; }
    public int RequestFailed { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    /// <summary>Tokens priced at the model's batch prices (per million input / output tokens) when the batch was created.</summary>
    public long InputMicrosPerMillionTokens { get; set; }
    public long OutputMicrosPerMillionTokens { get; set; }
    public long CostMicros { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? InProgressAt { get; set; }
    /// <summary>CreatedAt + the completion window: after it the batch expires (<c>batch_expired</c> for lines not run).</summary>
    public DateTime ExpiresAt { get; set; }
    public DateTime? FinalizingAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime? FailedAt { get; set; }
    public DateTime? ExpiredAt { get; set; }
    public DateTime? CancellingAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    /// <summary>When the output and error files were deleted by the retention job (the batch says so).</summary>
    public DateTime? FilesDeletedAt { get; set; }

    public string? CreatedByUserId { get; set; }
    public Guid? CreatedByApiKeyId { get; set; }

    /// <summary>Optimistic concurrency: the runner and a cancel never overwrite each other unseen.</summary>
    public int Version { get; set; }

    public bool IsFinished => Status is BatchStatus.Completed or BatchStatus.Failed or BatchStatus.Expired or BatchStatus.Cancelled;
}

/// <summary>
/// The runner's durable progress for one batch: how many bytes of the partial output and error files are
/// committed, and which input lines they hold (a bitmap, one bit per line). After a crash the runner cuts the
/// partial files back to these lengths and skips the lines marked, so no finished line is sent or written twice.
/// </summary>
public class BatchCheckpoint : ITenantOwned
{
    public required string BatchId { get; set; }
    public Guid TenantId { get; set; }
    public long OutputBytes { get; set; }
    public long ErrorBytes { get; set; }
    public byte[] DoneLines { get; set; } = [];
    public int Completed { get; set; }
    public int Failed { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class BatchConfiguration : IEntityTypeConfiguration<Batch>
{
    public void Configure(EntityTypeBuilder<Batch> b)
    {
        b.ToTable("Batches");
        b.Property(x => x.Id).HasMaxLength(40);
        b.Property(x => x.Endpoint).HasMaxLength(40);
        b.Property(x => x.InputFileId).HasMaxLength(40);
        b.Property(x => x.OutputFileId).HasMaxLength(40);
        b.Property(x => x.ErrorFileId).HasMaxLength(40);
        b.Property(x => x.CompletionWindow).HasMaxLength(10);
        b.Property(x => x.Model).HasMaxLength(80);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.CreatedByUserId).HasMaxLength(450);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => new { x.TenantId, x.CreatedAt });
        b.HasIndex(x => x.Status);
        b.HasOne<Portal.Core.Tenancy.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BatchCheckpointConfiguration : IEntityTypeConfiguration<BatchCheckpoint>
{
    public void Configure(EntityTypeBuilder<BatchCheckpoint> b)
    {
        b.ToTable("BatchCheckpoints");
        b.HasKey(x => x.BatchId);
        b.Property(x => x.BatchId).HasMaxLength(40);
        b.HasOne<Batch>().WithOne().HasForeignKey<BatchCheckpoint>(x => x.BatchId).OnDelete(DeleteBehavior.Cascade);
    }
}
