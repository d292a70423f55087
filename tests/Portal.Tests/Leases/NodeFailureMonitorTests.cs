using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>The portal as it runs by default: its own job server, and the pool's node health polled every second.</summary>
public sealed class MonitoredPoolLeaseFactory : LeaseFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Jobs:RunServer", "true"), new("Pool:HealthPollSeconds", "1")];
}

public class NodeFailureMonitorTests(MonitoredPoolLeaseFactory factory) : IClassFixture<MonitoredPoolLeaseFactory>
{
    [Fact]
    public async Task A_node_failing_in_the_pool_moves_its_lease_with_no_one_running_a_job()
    {
        var kit = new LifecycleKit(factory);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest("us-south-1", "h100-sxm-80gb", 8, factory.ThisHour, 6));
        var lost = lease.Allocations.Single();

        await kit.InjectAsync($"pool/nodes/{lost.NodeId}/state", new { state = "Failed" });

        // Generous bound: this proves the running portal notices and handles it (health poll, job server), not how fast.
        Lease now = lease;
        for (var i = 0; i < 300 && !(Moved(now) && !now.Degraded); i++)
        {
            await Task.Delay(100);
            now = await kit.LoadAsync(lease.Id);
        }
        Assert.True(Moved(now), "the lease was not moved off the failed node");
        Assert.False(now.Degraded);
        Assert.Equal(LeaseState.Active, now.State);
        var replacement = now.Allocations.Single(a => a.ReplacesId == lost.Id);
        Assert.Equal((replacement.NodeId, 8), (await kit.PoolReservationsAsync())[replacement.Id]);
        Assert.Single(await kit.NotificationsAsync(tenantId, "lease.degraded"));
    }

    private static bool Moved(Lease lease) => lease.Allocations.Any(a => a.ReplacesId != null && a.ReservedAt != null);
}
