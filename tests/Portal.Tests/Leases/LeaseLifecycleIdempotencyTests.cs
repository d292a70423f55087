using Portal.Core.Leases;

namespace Portal.Tests.Leases;

/// <summary>Every lifecycle job run twice, or killed halfway and run again, leaves the same lease and the same pool.</summary>
public class LeaseLifecycleIdempotencyTests(ScriptedPoolLeaseFactory factory) : IClassFixture<ScriptedPoolLeaseFactory>
{
    private readonly LifecycleKit kit = new(factory);

    [Fact]
    public async Task Provisioning_killed_halfway_and_run_again_reserves_each_allocation_once()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.SignedAsync(tenantId, ownerId, new LeaseRequest("us-south-1", "b200-180gb", 24, factory.ThisHour, 5)); // 3 whole nodes
        Assert.Equal(3, lease.Allocations.Count);

        var killed = factory.Script.Arm(killAfterReserve: 2); // the pool reserves it; the job never records it
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id, killed)));
        factory.Script.Disarm();
        var halfway = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Provisioning, halfway.State);
        Assert.Equal(0, halfway.ProvisionAttempts); // a crash is not a failed attempt

        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id));
        var active = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Active, active.State);
        await AssertPoolHoldsExactlyAsync(active);

        var version = active.Version;
        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id));
        await kit.SweepAsync();
        var again = await kit.LoadAsync(lease.Id);
        Assert.Equal(version, again.Version);
        Assert.Equal(active.Events.Count, again.Events.Count);
        await AssertPoolHoldsExactlyAsync(again);
    }

    [Fact]
    public async Task Ending_killed_halfway_and_run_again_releases_everything_once()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest("us-south-1", "h200-141gb", 24, factory.ThisHour, 2));
        factory.Clock.SetUtcNow(lease.End);

        var killed = factory.Script.Arm(killAfterRelease: 2);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kit.RunAsync<EndLeaseJob>(j => j.RunAsync(lease.Id, killed)));
        factory.Script.Disarm();
        Assert.Equal(LeaseState.Ending, (await kit.LoadAsync(lease.Id)).State);

        await kit.RunAsync<EndLeaseJob>(j => j.RunAsync(lease.Id));
        var ended = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Ended, ended.State);
        Assert.All(ended.Allocations, a => Assert.NotNull(a.PoolReleasedAt));
        var reservations = await kit.PoolReservationsAsync();
        Assert.DoesNotContain(ended.Allocations, a => reservations.ContainsKey(a.Id));

        await kit.RunAsync<EndLeaseJob>(j => j.RunAsync(lease.Id));
        await kit.SweepAsync();
        var again = await kit.LoadAsync(lease.Id);
        Assert.Equal(ended.Version, again.Version);
        Assert.Equal(ended.Events.Count, again.Events.Count);
        Assert.Single(await kit.NotificationsAsync(tenantId, "lease.ended"));
    }

    [Fact]
    public async Task A_driver_error_is_a_failed_attempt_retried_after_the_backoff_and_not_before()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.SignedAsync(tenantId, ownerId, new LeaseRequest("us-south-1", "a100-80gb", 8, factory.ThisHour.AddHours(2), 3));
        factory.Clock.SetUtcNow(lease.Start.AddMinutes(-2));

        factory.Script.Arm(throwOnReserve: 1);
        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id));
        factory.Script.Disarm();
        var retrying = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Provisioning, retrying.State);
        Assert.Equal(1, retrying.ProvisionAttempts);
        Assert.Equal(factory.Now.AddSeconds(15), retrying.NextProvisionAttemptAt);

        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(lease.Id)); // early: the retry is not due
        await kit.SweepAsync();
        Assert.Equal(retrying.Version, (await kit.LoadAsync(lease.Id)).Version);

        factory.Clock.Advance(TimeSpan.FromSeconds(15));
        await kit.SweepAsync();
        var active = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Active, active.State);
        await AssertPoolHoldsExactlyAsync(active);
    }

    // The pool holds each of the lease's allocations once, with its GPUs, and nothing else on those nodes.
    private async Task AssertPoolHoldsExactlyAsync(Lease lease)
    {
        var reservations = await kit.PoolReservationsAsync();
        var nodes = lease.Allocations.Select(a => a.NodeId).ToHashSet();
        var onNodes = reservations.Where(r => nodes.Contains(r.Value.Node)).OrderBy(r => r.Key).ToList();
        Assert.Equal(lease.Allocations.OrderBy(a => a.Id).Select(a => (a.Id, a.NodeId, a.Gpus)),
            onNodes.Select(r => (r.Key, r.Value.Node, r.Value.Gpus)));
        Assert.All(lease.Allocations, a => Assert.NotNull(a.ReservedAt));
        var pool = await kit.PoolNodesAsync();
        Assert.Equal(lease.Gpus, pool.Where(n => nodes.Contains(n.Id)).Sum(n => n.ReservedGpus));
    }
}
