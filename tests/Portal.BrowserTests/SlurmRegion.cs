using System.Diagnostics;

namespace Portal.BrowserTests;

/// <summary>
/// The Slurm cluster of scripts/slurm-cluster.sh, when <c>PORTAL_TEST_SLURM</c> names its folder: the portal's settings for a
/// region on it, and Slurm's own view (scontrol) for the journey to check against.
/// </summary>
public static class SlurmRegion
{
    public const string Id = "slurm-lab";

    public static string? ClusterFolder => Environment.GetEnvironmentVariable("PORTAL_TEST_SLURM") is { Length: > 0 } f ? f : null;

    public static IEnumerable<(string Key, string Value)> Settings(string cluster) =>
    [
        ($"Pool:Regions:{Id}:Driver", "Slurm"),
        ($"Pool:Regions:{Id}:Name", "Slurm lab"),
        ($"Pool:Regions:{Id}:Slurm:Conf", Path.Combine(cluster, "etc", "slurm.conf")),
        ($"Pool:Regions:{Id}:Slurm:JobRoot", Path.Combine(cluster, "jobs")),
        ($"Pool:Regions:{Id}:Slurm:Sku", "h100-sxm-80gb"),
    ];

    /// <summary>scontrol's answer (stdout) against the cluster.</summary>
    public static async Task<string> ScontrolAsync(params string[] args)
    {
        var cluster = ClusterFolder ?? throw new InvalidOperationException(
            "No Slurm cluster: run scripts/slurm-cluster.sh start and set PORTAL_TEST_SLURM=/tmp/portal-slurm.");
        var start = new ProcessStartInfo("scontrol") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["SLURM_CONF"] = Path.Combine(cluster, "etc", "slurm.conf");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
