namespace Portal.Core.Pool;

/// <summary>
/// Settings under <c>Pool</c>: which driver runs each region. <see cref="Driver"/> is every region's default
/// (<c>Simulator</c>, the embedded pool); <c>Pool:Regions:{regionId}</c> gives a region its own, e.g. a Slurm cluster.
/// </summary>
public sealed class PoolOptions
{
    public const string Simulator = "Simulator";
    public const string Slurm = "Slurm";

    public string Driver { get; set; } = Simulator;

    public Dictionary<string, PoolRegionOptions> Regions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The driver that runs a region: its own setting, else the default.</summary>
    public string DriverOf(string regionId) =>
        Regions.TryGetValue(regionId, out var r) && r.Driver is { Length: > 0 } d ? d : Driver;

    /// <summary>Slurm 22.05 reserves whole nodes only: a region it runs leases whole nodes.</summary>
    public bool WholeNodesOnly(string regionId) => string.Equals(DriverOf(regionId), Slurm, StringComparison.OrdinalIgnoreCase);
}

public sealed class PoolRegionOptions
{
    /// <summary><c>Simulator</c> or <c>Slurm</c>; unset takes <see cref="PoolOptions.Driver"/>.</summary>
    public string? Driver { get; set; }

    /// <summary>Shown in the catalog when the portal creates the region for a Slurm cluster it was pointed at.</summary>
    public string? Name { get; set; }

    public SlurmOptions Slurm { get; set; } = new();
}

/// <summary>How the portal reaches one Slurm cluster (settings under <c>Pool:Regions:{regionId}:Slurm</c>).</summary>
public sealed class SlurmOptions
{
    /// <summary>The cluster's slurm.conf (passed to the command-line tools as <c>SLURM_CONF</c>); unset: the tools' default.</summary>
    public string? Conf { get; set; }

    /// <summary>Where scontrol, sbatch, squeue and scancel are; unset: on the PATH.</summary>
    public string? BinDir { get; set; }

    public string Partition { get; set; } = "gpu";

    /// <summary>A folder both the portal and the nodes see: each task's script, inputs, stdout and stderr live in it.</summary>
    public string JobRoot { get; set; } = "";

    /// <summary>The catalog SKU of the cluster's nodes (Slurm knows GPUs, not SKUs).</summary>
    public string Sku { get; set; } = "h100-sxm-80gb";

    /// <summary>The Unix user tenant scripts run as on the nodes (sbatch <c>--uid</c>, when the portal submits as root).</summary>
    public string RunAsUser { get; set; } = "nobody";

    /// <summary>slurmrestd's address (optional; the command-line tools are used when unset).</summary>
    public string? RestUrl { get; set; }
}
