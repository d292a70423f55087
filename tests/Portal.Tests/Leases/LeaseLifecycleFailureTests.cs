using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>Provisioning against a pool that refuses reservations.</summary>
public class LeaseLifecycleFailureTests(ScriptedPoolLeaseFactory factory) : IClassFixture<ScriptedPoolLeaseFactory>, IDisposable
{
    private readonly LifecycleKit kit = new(factory);

    public void Dispose() => factory.Script.Disarm();

    [Fact]
    public async Task A_lease_the_pool_keeps_refusing_is_retried_with_growing_backoff_then_failed_released_and_not_charged()
    {
        var options = new LeaseOptions();
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var request = new LeaseRequest("us-south-1", "b200-180gb", 16, factory.ThisHour.AddHours(2), 3);
        var lease = await kit.SignedAsync(tenantId, ownerId, request); // two whole nodes: the pool takes one and refuses the other
        var refused = lease.Allocations.Max(a => a.NodeId)!;
        factory.Script.Arm(refuseNode: refused);
        factory.Clock.SetUtcNow(request.Start - options.ProvisionLead);

        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= options.MaxProvisionAttempts; attempt++)
        {
            await kit.SweepAsync();
            await kit.SweepAsync(); // a second sweep at the same moment counts nothing more
            var now = await kit.LoadAsync(lease.Id);
            Assert.Equal(attempt, now.ProvisionAttempts);
            if (now.State == LeaseState.Failed) break;
            Assert.Equal(LeaseState.Provisioning, now.State);
            delays.Add(now.NextProvisionAttemptAt!.Value - factory.Now);
            factory.Clock.SetUtcNow(now.NextProvisionAttemptAt.Value);
        }
        Assert.Equal([15, 30, 60, 120, 240], delays.Select(d => (int)d.TotalSeconds));

        factory.Script.Disarm();
        var failed = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Failed, failed.State);
        Assert.Contains("refused by the test pool", failed.FailureReason);
        Assert.All(failed.Allocations, a => Assert.Equal(AllocationStatus.Released, a.Status));
        var reservations = await kit.PoolReservationsAsync();
        Assert.DoesNotContain(failed.Allocations, a => reservations.ContainsKey(a.Id)); // the one it took was given back
        Assert.All(failed.Allocations.Where(a => a.NodeId != refused), a => Assert.NotNull(a.PoolReleasedAt));
        var notice = Assert.Single(await kit.NotificationsAsync(tenantId, "lease.failed"));
        Assert.Contains("will not be charged", notice.Body);
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            Assert.True(await db.AuditEvents.AnyAsync(e => e.Action == "lease.failed" && e.TargetId == lease.Id.ToString()));

        // Its capacity is free again: the same request fits on the same nodes.
        await using var member = await factory.As(tenantId, ownerId);
        var again = await member.Quoting.HoldAsync(request);
        Assert.Equal(failed.Allocations.Select(a => a.NodeId).Order(), again.Allocations.Select(a => a.NodeId).Order());

        await kit.SweepAsync();
        Assert.Equal(failed.Version, (await kit.LoadAsync(lease.Id)).Version);
    }

    [Fact]
    public async Task A_refusal_that_passes_is_retried_and_the_lease_becomes_active()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var request = new LeaseRequest("us-south-1", "h100-sxm-80gb", 16, factory.ThisHour.AddHours(2), 2);
        var lease = await kit.SignedAsync(tenantId, ownerId, request);
        factory.Script.Arm(refuse: 1);
        factory.Clock.SetUtcNow(request.Start - TimeSpan.FromMinutes(2));

        await kit.SweepAsync();
        var retrying = await kit.LoadAsync(lease.Id);
        Assert.Equal(1, retrying.ProvisionAttempts);
        Assert.Equal(LeaseState.Provisioning, retrying.State);

        factory.Clock.SetUtcNow(retrying.NextProvisionAttemptAt!.Value);
        await kit.SweepAsync();
        var active = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Active, active.State);
        var reservations = await kit.PoolReservationsAsync();
        Assert.All(active.Allocations, a => Assert.Equal((a.NodeId, a.Gpus), reservations[a.Id]));
        Assert.Contains(active.Events, e => e.Message.Contains("attempt 1 failed"));
    }
}
