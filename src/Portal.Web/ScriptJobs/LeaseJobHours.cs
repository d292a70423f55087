using Portal.Core.Leases;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// A lease's GPU time split by what ran on it: GPU-seconds elapsed since it turned Active (to now, or to its end), the part
/// its jobs used (their GPU-seconds, running tasks included so far), and the rest, idle. Shared by the lease page and the
/// usage breakdown so both say the same.
/// </summary>
public sealed record LeaseJobHours(double ElapsedGpuSeconds, double UsedGpuSeconds)
{
    /// <summary>Never below zero: a job's last seconds may be counted before the lease's clock reaches them.</summary>
    public double IdleGpuSeconds => Math.Max(0, ElapsedGpuSeconds - UsedGpuSeconds);

    public static LeaseJobHours Of(Lease lease, long jobsGpuSeconds, DateTime now) =>
        new(ElapsedOf(lease, now), jobsGpuSeconds);

    /// <summary>The lease's GPUs times the time it has been Active so far (exact, not rounded to whole billed hours).</summary>
    public static double ElapsedOf(Lease lease, DateTime now)
    {
        if (lease.ActivatedAt is not { } activated) return 0;
        var from = activated > lease.Start ? activated : lease.Start;
        var stop = lease.EndedAt ?? lease.ReleasedAt ?? now;
        var until = stop < lease.End ? stop : lease.End;
        return Math.Max(0, (until - from).TotalSeconds) * lease.Gpus;
    }
}
