using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Pool;

namespace Portal.Tests.Pool;

/// <summary>
/// The router's wait for a task change: it wakes as soon as one driver reports a change, however long the others wait,
/// and a failing driver does not wake it while another still waits.
/// </summary>
public class RegionalChangeWaitTests
{
    private readonly FakeRegionDriver simulator = new("us-east-2", "h100-sxm-80gb", 1), cluster = new("eu-slurm-1", "h100-sxm-80gb", 1);

    private RegionalPoolDriver Router(IGpuPoolDriver clusterDriver)
    {
        var options = Options.Create(new PoolOptions { Regions = { ["eu-slurm-1"] = new PoolRegionOptions { Driver = PoolOptions.Slurm } } });
        var provider = new ServiceCollection().BuildServiceProvider();
        var regions = new PoolRegionDrivers(provider, options, (_, _, _) => clusterDriver, provider.GetRequiredService<IServiceScopeFactory>(),
            NullLogger<PoolRegionDrivers>.Instance);
        return new RegionalPoolDriver(simulator, regions);
    }

    [Fact]
    public async Task A_change_on_the_cluster_wakes_the_wait_although_the_simulator_has_none()
    {
        var router = Router(cluster);
        var seen = await router.WaitForTaskChangeAsync(-1, TimeSpan.Zero);

        var waiting = router.WaitForTaskChangeAsync(seen, TimeSpan.FromMinutes(10));
        Assert.False(waiting.IsCompleted);
        cluster.RaiseChange();

        Assert.True(await waiting > seen);
    }

    [Fact]
    public async Task A_cluster_that_fails_does_not_wake_the_wait_on_the_simulator()
    {
        var router = Router(new FakeRegionDriver("eu-slurm-1", "h100-sxm-80gb", 1) { WaitFailure = new HttpRequestException("the cluster is away") });
        var seen = await router.WaitForTaskChangeAsync(-1, TimeSpan.Zero);

        var waiting = router.WaitForTaskChangeAsync(seen, TimeSpan.FromMinutes(10));
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        simulator.RaiseChange();

        Assert.True(await waiting > seen);
    }
}
