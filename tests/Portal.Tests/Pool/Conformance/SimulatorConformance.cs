using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Pool.Conformance;

/// <summary>The conformance suite on the embedded simulator, through the portal's own driver over HTTP.</summary>
public sealed class SimulatorConformanceFixture : PortalFactory, IPoolConformanceFixture
{
    private int turn;

    // Metrics every 200 ms instead of every 10 s, as PoolTaskFactory.
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Pool:MetricsIntervalMs", "200"), new("ScriptJobs:MetricsPollSeconds", "0")];

    public IGpuPoolDriver Pool => Services.GetRequiredService<IGpuPoolDriver>();
    public bool WholeNodesOnly => false;
    public bool SamplesGpuMetrics => true;
    public TimeSpan TaskWait => TimeSpan.FromSeconds(60);

    public async Task<(string NodeId, int Gpus)> FreeNodeAsync()
    {
        var free = (await Pool.ListNodesAsync()).Where(n => n.State == NodeState.Ready && n.ReservedGpus == 0 && n.GpuCount >= 2)
            .OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(free);
        var node = free[Interlocked.Increment(ref turn) % free.Count];
        return (node.Id, node.GpuCount);
    }

    public IGpuPoolDriver Unreachable()
    {
        var endpoint = new PoolEndpoint();
        endpoint.Set(new Uri($"http://127.0.0.1:{UnusedPort()}/"));
        return new SimulatorPoolDriver(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, endpoint);
    }

    /// <summary>The simulator keeps GPUs per allocation and no lease or window: it has no hold to show.</summary>
    public Task<PoolHeldView?> HeldAsync(Guid leaseId) => Task.FromResult<PoolHeldView?>(null);

    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class SimulatorConformanceCollection : ICollectionFixture<SimulatorConformanceFixture>
{
    public const string Name = "Simulator pool conformance";
}

[Collection(SimulatorConformanceCollection.Name)]
public sealed class SimulatorNodeConformanceTests(SimulatorConformanceFixture pool) : PoolNodeConformanceTests(pool);

[Collection(SimulatorConformanceCollection.Name)]
public sealed class SimulatorReservationConformanceTests(SimulatorConformanceFixture pool) : PoolReservationConformanceTests(pool);

[Collection(SimulatorConformanceCollection.Name)]
public sealed class SimulatorTaskConformanceTests(SimulatorConformanceFixture pool) : PoolTaskConformanceTests(pool);

[Collection(SimulatorConformanceCollection.Name)]
public sealed class SimulatorTimeLimitConformanceTests(SimulatorConformanceFixture pool) : PoolTimeLimitConformanceTests(pool);
