using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// One task of a job (a sweep has <see cref="ScriptJob.TaskCount"/>, index 0..N-1 in <c>PORTAL_TASK_INDEX</c>).
/// One row per task; a retry is a new <see cref="Attempt"/> of the same row with a new <see cref="PoolTaskId"/>.
/// </summary>
public class ScriptJobTask : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid JobId { get; set; }
    public Guid LeaseId { get; set; }
    public int Index { get; set; }
    public int Attempt { get; set; } = 1;
    public ScriptJobState State { get; set; }
    public string? Reason { get; set; }
    public int? ExitCode { get; set; }

    /// <summary>The pool's task id for this attempt (<c>{task id:N}-{attempt}</c>): submit is idempotent by it.</summary>
    public string? PoolTaskId { get; set; }
    public string? NodeId { get; set; }
    /// <summary>The lease allocation whose pool reservation the task runs on.</summary>
    public Guid? ReservationId { get; set; }
    /// <summary>The node's GPU indexes the pool gave the task, comma-separated ("0,1").</summary>
    public string? GpuIndexes { get; set; }
    public int Gpus { get; set; }

    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    /// <summary>GPU-seconds of its finished attempts; a running attempt counts live through <see cref="ScriptJobUsage"/>.</summary>
    public long GpuSeconds { get; set; }

    /// <summary>How far the pool's logs of the current attempt are copied into the portal's store.</summary>
    public long StdoutOffset { get; set; }
    public long StderrOffset { get; set; }
    /// <summary>The last metric sample copied from the pool.</summary>
    public DateTime? MetricsThrough { get; set; }

    public int Version { get; set; }
}

internal sealed class ScriptJobTaskConfiguration : IEntityTypeConfiguration<ScriptJobTask>
{
    public void Configure(EntityTypeBuilder<ScriptJobTask> b)
    {
        b.Property(t => t.State).HasConversion<string>().HasMaxLength(20);
        b.Property(t => t.Reason).HasMaxLength(500);
        b.Property(t => t.PoolTaskId).HasMaxLength(80);
        b.Property(t => t.NodeId).HasMaxLength(64);
        b.Property(t => t.GpuIndexes).HasMaxLength(100);
        b.Property(t => t.Version).IsConcurrencyToken();
        b.HasIndex(t => new { t.JobId, t.Index }).IsUnique();
        b.HasIndex(t => new { t.LeaseId, t.State });
        b.HasIndex(t => t.State);
    }
}
