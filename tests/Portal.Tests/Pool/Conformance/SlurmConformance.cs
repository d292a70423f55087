using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Pool;
using Portal.Core.Pool.Slurm;
using Portal.Tests.Pool.Slurm;

namespace Portal.Tests.Pool.Conformance;

/// <summary>The conformance suite on a running Slurm cluster (PORTAL_TEST_SLURM), through <see cref="SlurmPoolDriver"/>.</summary>
public class SlurmConformanceFixture : IPoolConformanceFixture, IDisposable
{
    private readonly string deadFolder = Directory.CreateTempSubdirectory("portal-slurm-dead-").FullName;
    private int turn;

    public SlurmConformanceFixture()
    {
        Options = SlurmCluster.Options();
        Commands = new SlurmCommands(Options);
        Pool = new SlurmPoolDriver("slurm-test", Options, TimeProvider.System, NullLogger<SlurmPoolDriver>.Instance);
    }

    public SlurmOptions Options { get; }
    public SlurmCommands Commands { get; }
    public IGpuPoolDriver Pool { get; }
    public bool WholeNodesOnly => true;
    public bool SamplesGpuMetrics => false;
    public TimeSpan TaskWait => TimeSpan.FromSeconds(240);

    /// <summary>
    /// Whether this fixture's tests may take the node: all but the spare node, which the time-limit class has to itself while
    /// it runs beside the others (the portal's own tests place their leases on the first nodes).
    /// </summary>
    protected virtual bool Offers(string node) => node != SlurmCluster.SpareNode;

    /// <summary>An idle node in no reservation (a released lease's jobs may still be finishing: wait for one).</summary>
    public async Task<(string NodeId, int Gpus)> FreeNodeAsync()
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(90); ; await Task.Delay(500))
        {
            var reserved = (await new SlurmReservations(Commands, new SlurmNodes(Commands, Options), new SlurmJobQueries(Commands), TimeProvider.System)
                .ListAsync(default)).SelectMany(r => r.Nodes).ToHashSet();
            var free = (await new SlurmNodes(Commands, Options).ListAsync(default))
                .Where(n => n.State == "IDLE" && !reserved.Contains(n.Name) && Offers(n.Name)).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
            if (free.Count > 0)
            {
                var node = free[Interlocked.Increment(ref turn) % free.Count];
                return (node.Name, node.Gpus);
            }
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException("No idle, unreserved node on the Slurm cluster.");
        }
    }

    /// <summary>The same cluster's config with the controller's port moved to one nobody listens on.</summary>
    public IGpuPoolDriver Unreachable()
    {
        // MessageTimeout=1: the tools give up on the dead controller in about a second instead of nine (CI's time).
        var conf = File.ReadAllLines(Options.Conf!)
            .Where(l => !l.StartsWith("SlurmctldPort=", StringComparison.OrdinalIgnoreCase)
                && !l.StartsWith("MessageTimeout=", StringComparison.OrdinalIgnoreCase))
            .Append($"SlurmctldPort={SimulatorConformanceFixture.UnusedPort()}").Append("MessageTimeout=1");
        var path = Path.Combine(deadFolder, "slurm.conf");
        File.WriteAllLines(path, conf);
        var gres = Path.Combine(Path.GetDirectoryName(Options.Conf!)!, "gres.conf");
        if (File.Exists(gres)) File.Copy(gres, Path.Combine(deadFolder, "gres.conf"), overwrite: true);
        var options = new SlurmOptions { Conf = path, JobRoot = Options.JobRoot, Partition = Options.Partition, RunAsUser = Options.RunAsUser };
        return new SlurmPoolDriver("slurm-dead", options, TimeProvider.System, NullLogger<SlurmPoolDriver>.Instance);
    }

    public async Task<PoolHeldView?> HeldAsync(Guid leaseId)
    {
        var reservations = new SlurmReservations(Commands, new SlurmNodes(Commands, Options), new SlurmJobQueries(Commands), TimeProvider.System);
        return await reservations.FindAsync(SlurmReservation.NameOf(leaseId), default) is { } r ? new PoolHeldView(r.Nodes, r.End, r.Accounts) : null;
    }

    public void Dispose()
    {
        Directory.Delete(deadFolder, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The conformance fixture on the spare node only (the time-limit class's, in a collection of its own).</summary>
public sealed class SlurmSpareNodeFixture : SlurmConformanceFixture
{
    protected override bool Offers(string node) => node == SlurmCluster.SpareNode;
}

[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmNodeConformanceTests(SlurmConformanceFixture pool) : PoolNodeConformanceTests(pool), IClassFixture<SlurmConformanceFixture>;

[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmReservationConformanceTests(SlurmConformanceFixture pool)
    : PoolReservationConformanceTests(pool), IClassFixture<SlurmConformanceFixture>;

[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmTaskConformanceTests(SlurmConformanceFixture pool) : PoolTaskConformanceTests(pool), IClassFixture<SlurmConformanceFixture>;

/// <summary>Slurm's smallest time limit is a minute: this class waits it out on the spare node while the other Slurm classes run.</summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmTimeLimitCollection.Name)]
public sealed class SlurmTimeLimitConformanceTests(SlurmSpareNodeFixture pool) : PoolTimeLimitConformanceTests(pool), IClassFixture<SlurmSpareNodeFixture>;
