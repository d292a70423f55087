using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A tenant's bash script run by the pool on GPUs of one of its leases, as one task or a sweep of
/// <see cref="TaskCount"/> tasks (DESIGN.md, "Script jobs on a lease"). The lease is its boundary.
/// </summary>
public class ScriptJob : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TenantId { get; set; }
    public Guid LeaseId { get; set; }
    public required string Name { get; set; }
    /// <summary>The bash script, up to 1 MB (<see cref="ScriptJobOptions.MaxScriptBytes"/>).</summary>
    public required string Script { get; set; }
    public int GpusPerTask { get; set; }
    public int TaskCount { get; set; } = 1;
    /// <summary>Higher runs first; equal priorities run in submission order (<see cref="Sequence"/>).</summary>
    public int Priority { get; set; }
    /// <summary>Submission order inside the portal (increasing; ties broken by Id).</summary>
    public long Sequence { get; set; }
    /// <summary>Per task; null means until the lease ends.</summary>
    public int? TimeLimitMinutes { get; set; }
    public int MaxRetries { get; set; }
    /// <summary>Comma-separated exit codes that are retried; null or empty: every non-zero exit code.</summary>
    public string? RetryExitCodes { get; set; }
    /// <summary>The simulator's metric profile (busy, idle, oom) for tests and demos; null on real pools.</summary>
    public string? Profile { get; set; }

    /// <summary>Plain variables as JSON [{"name","value"}]; secret ones appear here as {"name","secret":true} without value.</summary>
    public string VariablesJson { get; set; } = "[]";
    /// <summary>The secret variables' values, encrypted with ASP.NET Data Protection; never returned to anyone.</summary>
    public string? SecretsProtected { get; set; }
    /// <summary>Input files as JSON [{"name","bytes"}]; their bytes are under the job's folder.</summary>
    public string InputFilesJson { get; set; } = "[]";

    public ScriptJobState State { get; set; }
    /// <summary>The true reason for the state, in words ("Exited with code 3", "Cancelled by Ada Lovelace").</summary>
    public string? Reason { get; set; }
    /// <summary>The exit code of the task that decided a Failed job.</summary>
    public int? ExitCode { get; set; }
    public string? CancelledByUserId { get; set; }
    public string? CancelledByName { get; set; }
    /// <summary>The lease's end is near: tasks got SIGTERM and stop as LeaseEnded.</summary>
    public DateTime? LeaseEndSignalledAt { get; set; }

    /// <summary>Idempotency key of the launch: the same key in the same lease creates one job.</summary>
    public string? LaunchKey { get; set; }
    public required string CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }

    /// <summary>GPU-seconds that ran (all tasks, all attempts): what the job used of its lease.</summary>
    public long GpuSeconds { get; set; }
    public double? MeanGpuUtil { get; set; }
    public double? PeakFbUsedMiB { get; set; }
    /// <summary>GPUs whose utilisation stayed under the idle threshold for the whole job.</summary>
    public int? IdleGpus { get; set; }
    public int? SampledGpus { get; set; }

    /// <summary>Log bytes kept (all tasks, both streams); LogTruncated when the cap cut them.</summary>
    public long LogBytes { get; set; }
    public bool LogTruncated { get; set; }
    /// <summary>When logs and metrics are deleted (EndedAt + retention); set when the job ends.</summary>
    public DateTime? KeepUntil { get; set; }
    public DateTime? PurgedAt { get; set; }

    public int Version { get; set; }

    public List<ScriptJobTask> Tasks { get; set; } = [];
}

internal sealed class ScriptJobConfiguration : IEntityTypeConfiguration<ScriptJob>
{
    public void Configure(EntityTypeBuilder<ScriptJob> b)
    {
        b.Property(j => j.Name).HasMaxLength(100);
        b.Property(j => j.State).HasConversion<string>().HasMaxLength(20);
        b.Property(j => j.RetryExitCodes).HasMaxLength(200);
        b.Property(j => j.Profile).HasMaxLength(20);
        b.Property(j => j.Reason).HasMaxLength(500);
        b.Property(j => j.LaunchKey).HasMaxLength(100);
        b.Property(j => j.CreatedByUserId).HasMaxLength(450);
        b.Property(j => j.CancelledByUserId).HasMaxLength(450);
        b.Property(j => j.CancelledByName).HasMaxLength(200);
        b.Property(j => j.Version).IsConcurrencyToken();
        b.HasIndex(j => new { j.LeaseId, j.State, j.Priority, j.Sequence });
        b.HasIndex(j => new { j.TenantId, j.CreatedAt });
        b.HasIndex(j => new { j.LeaseId, j.LaunchKey }).IsUnique();
        b.HasIndex(j => j.KeepUntil);
        b.HasOne<Leases.Lease>().WithMany().HasForeignKey(j => j.LeaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(j => j.Tasks).WithOne().HasForeignKey(t => t.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
