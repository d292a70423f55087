using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>One GPU's metrics at one instant of a job's task, copied from the pool (DCGM names, every 10 s).</summary>
public class ScriptJobSample : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid JobId { get; set; }
    public int TaskIndex { get; set; }
    public int GpuIndex { get; set; }
    public DateTime At { get; set; }
    /// <summary>DCGM_FI_DEV_GPU_UTIL, percent.</summary>
    public double GpuUtil { get; set; }
    /// <summary>DCGM_FI_DEV_FB_USED, MiB.</summary>
    public double FbUsedMiB { get; set; }
    /// <summary>DCGM_FI_DEV_POWER_USAGE, watts.</summary>
    public double PowerUsageWatts { get; set; }
}

internal sealed class ScriptJobSampleConfiguration : IEntityTypeConfiguration<ScriptJobSample>
{
    public void Configure(EntityTypeBuilder<ScriptJobSample> b)
    {
        b.HasIndex(s => new { s.JobId, s.At });
        b.HasOne<ScriptJob>().WithMany().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
