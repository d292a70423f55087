using Portal.Core.Pool;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// The running cluster the Slurm tests use: its folder from PORTAL_TEST_SLURM (scripts/slurm-cluster.sh start writes
/// etc/slurm.conf and jobs/ there). Slurm tests share four nodes, so they run one class at a time in one collection.
/// </summary>
public static class SlurmTestCluster
{
    public const string Collection = "Slurm cluster";

    public static string Folder => Environment.GetEnvironmentVariable("PORTAL_TEST_SLURM") is { Length: > 0 } folder
        ? folder
        : throw new InvalidOperationException("Set PORTAL_TEST_SLURM to a running cluster's folder (scripts/slurm-cluster.sh start).");

    public static SlurmOptions Options() => new()
    {
        Conf = Path.Combine(Folder, "etc", "slurm.conf"),
        JobRoot = Path.Combine(Folder, "jobs"),
        Partition = "gpu",
        RunAsUser = "nobody",
    };
}

[CollectionDefinition(SlurmTestCluster.Collection, DisableParallelization = true)]
public sealed class SlurmClusterCollection;
