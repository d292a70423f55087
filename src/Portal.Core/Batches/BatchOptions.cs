namespace Portal.Core.Batches;

/// <summary>The <c>Batches</c> section of the configuration.</summary>
public sealed class BatchOptions
{
    public int MaxLines { get; set; } = 50_000;
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;
    /// <summary>How long output and error files are kept after a batch finishes.</summary>
    public int OutputRetentionDays { get; set; } = 30;
}
