using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>A node under an active lease fails in the pool: the lease is moved to a free node, or the lost GPU-hours are credited.</summary>
public class NodeFailureTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private readonly LifecycleKit kit = new(factory);

    [Fact]
    public async Task A_lease_on_a_failed_node_moves_to_a_free_node_of_the_same_pool()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest("us-east-2", "h200-141gb", 8, factory.ThisHour, 10));
        var lost = lease.Allocations.Single();
        factory.Clock.Advance(TimeSpan.FromHours(3));
        var hour = factory.ThisHour;

        await FailNodeAsync(lost.NodeId);
        await kit.RunAsync<NodeFailureJob>(j => j.RunAsync(lost.NodeId));

        var moved = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Active, moved.State);
        Assert.False(moved.Degraded);
        var old = moved.Allocations.Single(a => a.Id == lost.Id);
        Assert.Equal(hour, old.End); // it ran on the failed node until the current hour
        Assert.NotNull(old.PoolReleasedAt);
        var replacement = moved.Allocations.Single(a => a.ReplacesId == lost.Id);
        Assert.NotEqual(lost.NodeId, replacement.NodeId);
        Assert.Equal((8, hour, lease.End), (replacement.Gpus, replacement.Start, replacement.End));
        Assert.Equal(AllocationStatus.Firm, replacement.Status);
        Assert.NotNull(replacement.ReservedAt);
        var reservations = await kit.PoolReservationsAsync();
        Assert.Equal((replacement.NodeId, 8), reservations[replacement.Id]);
        Assert.False(reservations.ContainsKey(lost.Id));
        Assert.Equal((0, 0L), (moved.LostGpuHours, moved.CreditMicros));
        Assert.Contains(moved.Events, e => e.Message.StartsWith("Degraded: node " + lost.NodeId));
        Assert.Contains(moved.Events, e => e.Message.Contains("Moved to node " + replacement.NodeId));
        var notice = Assert.Single(await kit.NotificationsAsync(tenantId, "lease.degraded"));
        Assert.Contains("moved to node " + replacement.NodeId, notice.Body);

        await AssertRunningAgainChangesNothingAsync(moved, lost.NodeId);
    }

    [Fact]
    public async Task A_lease_on_a_failed_node_with_no_free_node_left_is_credited_the_lost_gpu_hours()
    {
        const string region = "us-east-2", sku = "b200-180gb";
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveAsync(tenantId, ownerId, new LeaseRequest(region, sku, 8, factory.ThisHour, 10));
        var lost = lease.Allocations.Single();
        factory.Clock.Advance(TimeSpan.FromHours(3));
        var hour = factory.ThisHour;
        var end = lease.End;
        // Another tenant's quote takes every other GPU of the pool until the lease's end.
        var (otherId, otherOwnerId) = await factory.NewTenantAsync();
        await using (var other = await factory.As(otherId, otherOwnerId))
            await other.Quoting.HoldAsync(new LeaseRequest(region, sku, await kit.ReadyGpusAsync(region, sku) - 8, hour, (int)(end - hour).TotalHours));

        await FailNodeAsync(lost.NodeId);
        await kit.RunAsync<NodeFailureJob>(j => j.RunAsync(lost.NodeId));

        var credited = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Active, credited.State);
        Assert.True(credited.Degraded);
        Assert.Equal(hour, credited.Allocations.Single().End);
        var lostHours = 8 * (int)(end - hour).TotalHours;
        Assert.Equal(lostHours, credited.LostGpuHours);
        Assert.Equal(lostHours * credited.MicrosPerGpuHour, credited.CreditMicros);
        Assert.DoesNotContain(credited.Allocations, a => a.ReplacesId != null);
        Assert.False((await kit.PoolReservationsAsync()).ContainsKey(lost.Id));
        var notice = Assert.Single(await kit.NotificationsAsync(tenantId, "lease.degraded"));
        Assert.Contains($"{lostHours} lost GPU-hours are credited", notice.Body);

        await AssertRunningAgainChangesNothingAsync(credited, lost.NodeId);
    }

    // The pool reports the node Failed; the sync copies it to the catalog and queues the failure job.
    private async Task FailNodeAsync(string nodeId)
    {
        await kit.InjectAsync($"pool/nodes/{nodeId}/state", new { state = "Failed" });
        await kit.RunAsync<SyncNodeStatesJob>(j => j.RunAsync());
        var queued = factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi().EnqueuedJobs("default", 0, 1000);
        Assert.Contains(queued, j => j.Value.Job?.Type == typeof(NodeFailureJob) && Equals(j.Value.Job.Args[0], nodeId));
    }

    private async Task AssertRunningAgainChangesNothingAsync(Lease before, string nodeId)
    {
        await kit.RunAsync<NodeFailureJob>(j => j.RunAsync(nodeId));
        await kit.SweepAsync();
        var after = await kit.LoadAsync(before.Id);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Allocations.Count, after.Allocations.Count);
        Assert.Equal(before.Events.Count, after.Events.Count);
        Assert.Equal((before.LostGpuHours, before.CreditMicros, before.Degraded), (after.LostGpuHours, after.CreditMicros, after.Degraded));
        Assert.Single(await kit.NotificationsAsync(before.TenantId, "lease.degraded"));
    }
}
