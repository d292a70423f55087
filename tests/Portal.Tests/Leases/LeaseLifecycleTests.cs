using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>Leases moved through their whole life by the lifecycle jobs on a fake clock, against the embedded pool.</summary>
public class LeaseLifecycleTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private static readonly TimeSpan Lead = TimeSpan.FromMinutes(new LeaseOptions().ProvisionLeadMinutes);

    [Fact]
    public async Task A_lease_goes_from_hold_to_ended_and_the_pool_follows()
    {
        const string region = "us-east-2", sku = "l40s-48gb"; // this test's own pool
        var kit = new LifecycleKit(factory);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var (rivalId, rivalOwnerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(30);
        await using var member = await factory.As(tenantId, ownerId);
        await using var rival = await factory.As(rivalId, rivalOwnerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest(region, sku, 8, start, 48));
        // Another tenant's quote takes every other GPU of that window.
        var rest = await kit.ReadyGpusAsync(region, sku) - 8;
        var rivalHold = await rival.Quoting.HoldAsync(new LeaseRequest(region, sku, rest, start, 48));
        var probe = new LeaseRequest(region, sku, 4, start, 48);
        Assert.False((await rival.Availability.CheckAsync(probe)).Fits);

        factory.Clock.Advance(TimeSpan.FromMinutes(5));
        await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        factory.Clock.Advance(TimeSpan.FromMinutes(6)); // the rival's quote is 11 minutes old
        await kit.SweepAsync();
        await kit.SweepAsync();
        var expired = await kit.LoadAsync(rivalHold.Id);
        Assert.Equal(LeaseState.Expired, expired.State);
        Assert.All(expired.Allocations, a => Assert.Equal(AllocationStatus.Released, a.Status));
        Assert.Single(expired.Events, e => e.State == LeaseState.Expired);
        Assert.True((await rival.Availability.CheckAsync(probe)).Fits);
        Assert.Equal(LeaseState.Scheduled, (await kit.LoadAsync(held.Id)).State);

        factory.Clock.SetUtcNow(start - Lead);
        await kit.SweepAsync();
        var active = await kit.LoadAsync(held.Id);
        Assert.Equal(LeaseState.Active, active.State);
        Assert.Equal(factory.Now, active.ActivatedAt);
        Assert.Contains(active.Events, e => e.State == LeaseState.Provisioning);
        Assert.All(active.Allocations, a => Assert.NotNull(a.ReservedAt));
        var reservations = await kit.PoolReservationsAsync();
        Assert.All(active.Allocations, a => Assert.Equal((a.NodeId, a.Gpus), reservations[a.Id]));
        var nodes = (await kit.PoolNodesAsync()).Where(n => active.Allocations.Any(a => a.NodeId == n.Id)).ToList();
        Assert.Equal(8, nodes.Sum(n => n.ReservedGpus));
        Assert.Single(await kit.NotificationsAsync(tenantId, "lease.active"));

        var end = start.AddHours(48);
        factory.Clock.SetUtcNow(end.AddHours(-24));
        await kit.SweepAsync();
        await kit.SweepAsync();
        var reminders = await kit.NotificationsAsync(tenantId, "lease.ending");
        Assert.Single(reminders);
        Assert.Contains(end.ToString("yyyy-MM-dd HH:mm"), reminders[0].Body);

        factory.Clock.SetUtcNow(end);
        await kit.SweepAsync();
        var ended = await kit.LoadAsync(held.Id);
        Assert.Equal(LeaseState.Ended, ended.State);
        Assert.Equal(end, ended.EndedAt);
        Assert.All(ended.Allocations, a => Assert.NotNull(a.PoolReleasedAt));
        reservations = await kit.PoolReservationsAsync();
        Assert.All(ended.Allocations, a => Assert.False(reservations.ContainsKey(a.Id)));
        Assert.Equal(0, (await kit.PoolNodesAsync()).Where(n => nodes.Any(x => x.Id == n.Id)).Sum(n => n.ReservedGpus));
        Assert.Single(await kit.NotificationsAsync(tenantId, "lease.ended"));
        Assert.Equal(
            [LeaseState.Held, LeaseState.Scheduled, LeaseState.Provisioning, LeaseState.Active, LeaseState.Ending, LeaseState.Ended],
            ended.Events.Select(e => e.State).Distinct());
    }

    [Fact]
    public async Task A_lease_that_starts_where_another_ends_waits_for_the_node_without_failing()
    {
        const string region = "us-east-2", sku = "a100-80gb";
        var kit = new LifecycleKit(factory);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var t = factory.ThisHour.AddHours(2);
        var first = await kit.SignedAsync(tenantId, ownerId, new LeaseRequest(region, sku, 8, t, 2));
        var second = await kit.SignedAsync(tenantId, ownerId, new LeaseRequest(region, sku, 8, t.AddHours(2), 2));
        Assert.Equal(first.Allocations.Single().NodeId, second.Allocations.Single().NodeId); // the same whole node, back to back

        factory.Clock.SetUtcNow(t - Lead);
        await kit.SweepAsync();
        factory.Clock.SetUtcNow(t.AddHours(2) - Lead);
        await kit.SweepAsync(); // the first lease still runs on the node: the second waits for its start
        var waiting = await kit.LoadAsync(second.Id);
        Assert.Equal(LeaseState.Provisioning, waiting.State);
        Assert.Equal(0, waiting.ProvisionAttempts);
        Assert.Equal(t.AddHours(2), waiting.NextProvisionAttemptAt);

        // At the start the retry comes before the first lease's end job: it gives back what has ended, then reserves.
        factory.Clock.SetUtcNow(t.AddHours(2));
        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(second.Id));
        var running = await kit.LoadAsync(second.Id);
        Assert.Equal(LeaseState.Active, running.State);
        Assert.Equal(0, running.ProvisionAttempts);
        await kit.SweepAsync();
        Assert.Equal(LeaseState.Ended, (await kit.LoadAsync(first.Id)).State);
        var onNode = (await kit.PoolReservationsAsync()).Where(r => r.Value.Node == running.Allocations.Single().NodeId).Select(r => r.Key);
        Assert.Equal([running.Allocations.Single().Id], onNode);
    }

    [Fact]
    public async Task An_extension_keeps_the_reservation_across_the_old_end_and_an_expired_extension_quote_frees_its_capacity()
    {
        const string region = "us-east-2", sku = "h200-141gb";
        var kit = new LifecycleKit(factory);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(2);
        var lease = await kit.SignedAsync(tenantId, ownerId, new LeaseRequest(region, sku, 8, start, 4));
        factory.Clock.SetUtcNow(start - Lead);
        await kit.SweepAsync();
        var original = (await kit.LoadAsync(lease.Id)).Allocations.Single();

        await using (var member = await factory.As(tenantId, ownerId))
        {
            var quote = await member.Extending.QuoteExtensionAsync(lease.Id, 2);
            factory.Clock.Advance(TimeSpan.FromMinutes(11));
            await kit.SweepAsync();
            var afterExpiry = await kit.LoadAsync(lease.Id);
            Assert.Equal(AmendmentState.Expired, afterExpiry.Amendments.Single().State);
            Assert.Equal(AllocationStatus.Released, afterExpiry.Allocations.Single(a => a.AmendmentId == quote.Id).Status);
            Assert.Contains(afterExpiry.Events, e => e.Message.StartsWith("Extension quote"));

            var again = await member.Extending.QuoteExtensionAsync(lease.Id, 2);
            await member.ExtensionSigning.SignExtensionAsync(lease.Id, again.Id, "Ada Lovelace", accepted: true);
        }

        factory.Clock.SetUtcNow(start.AddHours(4)); // the old end
        await kit.SweepAsync();
        var extended = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Active, extended.State);
        Assert.All(extended.Allocations.Where(a => a.Status == AllocationStatus.Firm), a => Assert.NotNull(a.ReservedAt));
        Assert.Null(extended.Allocations.Single(a => a.Id == original.Id).PoolReleasedAt);
        var onNode = (await kit.PoolReservationsAsync()).Where(r => r.Value.Node == original.NodeId).Select(r => r.Key);
        Assert.Equal([original.Id], onNode); // one reservation all along, not two

        factory.Clock.SetUtcNow(start.AddHours(6));
        await kit.SweepAsync();
        Assert.Equal(LeaseState.Ended, (await kit.LoadAsync(lease.Id)).State);
        Assert.DoesNotContain((await kit.PoolReservationsAsync()).Values, r => r.Node == original.NodeId);
    }

    [Fact]
    public async Task An_extension_quoted_but_not_signed_by_the_end_is_dropped_with_the_lease_and_frees_its_capacity()
    {
        const string region = "us-east-2", sku = "h100-sxm-80gb";
        var kit = new LifecycleKit(factory);
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(2);
        var lease = await kit.SignedAsync(tenantId, ownerId, new LeaseRequest(region, sku, 8, start, 1));
        factory.Clock.SetUtcNow(start - Lead);
        await kit.SweepAsync();

        factory.Clock.SetUtcNow(start.AddMinutes(58));
        await using (var member = await factory.As(tenantId, ownerId))
            await member.Extending.QuoteExtensionAsync(lease.Id, 2); // held for 10 minutes, past the end

        factory.Clock.SetUtcNow(start.AddHours(1));
        await kit.SweepAsync();
        var ended = await kit.LoadAsync(lease.Id);
        Assert.Equal(LeaseState.Ended, ended.State);
        Assert.Equal(AmendmentState.Cancelled, ended.Amendments.Single().State);
        Assert.DoesNotContain(ended.Allocations, a => a.Status == AllocationStatus.Held); // the quote's hours are free again at once
    }
}
