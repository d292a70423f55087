using Portal.Core.Pool;

namespace Portal.Tests.Pool.Conformance;

/// <summary>The conformance suite, holds: reserve, idempotence, refusal, extension, a second node, release.</summary>
public abstract class PoolReservationConformanceTests(IPoolConformanceFixture fixture) : PoolConformance(fixture)
{
    [Fact]
    public async Task A_whole_node_hold_asked_twice_is_one_reservation()
    {
        var (node, gpus) = await Fixture.FreeNodeAsync();
        var hold = WholeNode(node, gpus);
        try
        {
            var first = await Pool.ReserveAsync(hold);
            var again = await Pool.ReserveAsync(hold);

            Assert.Equal((ReservationOutcome.Reserved, ReservationOutcome.Reserved), (first.Outcome, again.Outcome));
            Assert.Equal(gpus, (await Pool.ListNodesAsync()).Single(n => n.Id == node).ReservedGpus);
            if (await Fixture.HeldAsync(hold.LeaseId) is { } view)
            {
                Assert.Equal([node], view.Nodes);
                Assert.Equal(hold.Account, view.Account);
            }
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task Another_lease_on_a_held_node_is_refused_with_the_pools_reason()
    {
        var held = await HoldFreeNodeAsync();
        var other = WholeNode(held.NodeId, held.Gpus);
        try
        {
            var refused = await Pool.ReserveAsync(other);

            Assert.Equal(ReservationOutcome.InsufficientGpus, refused.Outcome);
            Assert.False(string.IsNullOrWhiteSpace(refused.Message));
            if (Fixture.WholeNodesOnly) Assert.Null(await Fixture.HeldAsync(other.LeaseId));
        }
        finally { await ReleaseAllAsync(other, held); }
    }

    [Fact]
    public async Task Part_of_a_node_is_refused_where_the_pool_reserves_whole_nodes()
    {
        var (node, gpus) = await Fixture.FreeNodeAsync();
        var part = WholeNode(node, gpus) with { Gpus = gpus / 2 };
        try
        {
            var result = await Pool.ReserveAsync(part);

            if (Fixture.WholeNodesOnly)
            {
                Assert.Equal(ReservationOutcome.Conflict, result.Outcome);
                Assert.Equal("Slurm 22.05 reserves whole nodes: this region leases whole nodes", result.Message);
                Assert.Equal(0, (await Pool.ListNodesAsync()).Single(n => n.Id == node).ReservedGpus);
            }
            else Assert.Equal(ReservationOutcome.Reserved, result.Outcome);
        }
        finally { await ReleaseAllAsync(part); }
    }

    [Fact]
    public async Task Extending_moves_the_end_later_and_never_earlier()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var later = await Pool.ExtendAsync(hold with { End = hold.End.AddHours(2) });
            var earlier = await Pool.ExtendAsync(hold with { End = hold.End.AddHours(1) });

            Assert.Equal((ReservationOutcome.Reserved, ReservationOutcome.Reserved), (later.Outcome, earlier.Outcome));
            if (await Fixture.HeldAsync(hold.LeaseId) is { } view)
                Assert.InRange(view.End!.Value, hold.End.AddHours(2).AddSeconds(-1), hold.End.AddHours(2).AddSeconds(1));
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task A_second_node_of_a_lease_joins_its_hold_and_leaves_it_again()
    {
        var first = await HoldFreeNodeAsync();
        var (node, gpus) = await Fixture.FreeNodeAsync();
        var second = first with { AllocationId = Guid.NewGuid(), NodeId = node, Gpus = gpus };
        try
        {
            var joined = await Pool.ReserveAsync(second);
            var both = await Fixture.HeldAsync(first.LeaseId);
            await Pool.ReleaseAsync(first);
            var left = await Fixture.HeldAsync(first.LeaseId);

            Assert.Equal(ReservationOutcome.Reserved, joined.Outcome);
            if (both is not null) Assert.Equal(new[] { first.NodeId, node }.Order(), both.Nodes.Order());
            if (left is not null) Assert.Equal([node], left.Nodes);
            Assert.Equal((0, gpus), Reserved(await Pool.ListNodesAsync(), first.NodeId, node));
        }
        finally { await ReleaseAllAsync(first, second); }
    }

    [Fact]
    public async Task Releasing_twice_is_fine_and_the_node_can_be_held_again()
    {
        var hold = await HoldFreeNodeAsync();
        var next = WholeNode(hold.NodeId, hold.Gpus);
        try
        {
            await Pool.ReleaseAsync(hold);
            await Pool.ReleaseAsync(hold);
            var gone = await Fixture.HeldAsync(hold.LeaseId);
            var free = (await Pool.ListNodesAsync()).Single(n => n.Id == hold.NodeId).ReservedGpus;
            var again = await Pool.ReserveAsync(next);

            Assert.Null(gone);
            Assert.Equal(0, free);
            Assert.Equal(ReservationOutcome.Reserved, again.Outcome);
        }
        finally { await ReleaseAllAsync(next, hold); }
    }

    private static (int, int) Reserved(IReadOnlyList<PoolNode> nodes, string a, string b) =>
        (nodes.Single(n => n.Id == a).ReservedGpus, nodes.Single(n => n.Id == b).ReservedGpus);
}
