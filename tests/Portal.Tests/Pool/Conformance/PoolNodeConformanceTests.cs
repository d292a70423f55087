using Portal.Core.Catalog;
using Portal.Core.Pool;

namespace Portal.Tests.Pool.Conformance;

/// <summary>The conformance suite, nodes and faults: what every pool driver does alike.</summary>
public abstract class PoolNodeConformanceTests(IPoolConformanceFixture fixture) : PoolConformance(fixture)
{
    [Fact]
    public async Task Nodes_come_with_their_gpus_and_a_free_node_is_ready_and_unreserved()
    {
        var (free, gpus) = await Fixture.FreeNodeAsync();

        var nodes = await Pool.ListNodesAsync();

        Assert.NotEmpty(nodes);
        Assert.Equal(nodes.Count, nodes.Select(n => n.Id).Distinct().Count());
        Assert.All(nodes, n => Assert.True(n.GpuCount > 0 && !string.IsNullOrEmpty(n.Sku) && !string.IsNullOrEmpty(n.Region), n.Id));
        var node = Assert.Single(nodes, n => n.Id == free);
        Assert.Equal((gpus, NodeState.Ready, 0), (node.GpuCount, node.State, node.ReservedGpus));
    }

    [Fact]
    public async Task Drain_maintenance_and_resume_round_trip_through_the_pool()
    {
        var (node, _) = await Fixture.FreeNodeAsync();
        try
        {
            Assert.True(await Pool.SetNodeStateAsync(node, NodeState.Draining));
            var drained = await StateOfAsync(node);
            Assert.True(await Pool.SetNodeStateAsync(node, NodeState.Maintenance));
            var maintained = await StateOfAsync(node);
            Assert.True(await Pool.SetNodeStateAsync(node, NodeState.Ready));
            Assert.True(await Pool.SetNodeStateAsync(node, NodeState.Ready)); // already ready: nothing to do, still true

            Assert.Equal((NodeState.Draining, NodeState.Maintenance, NodeState.Ready), (drained, maintained, await StateOfAsync(node)));
            Assert.False(await Pool.SetNodeStateAsync("no-such-node-" + Guid.NewGuid().ToString("N")[..8], NodeState.Draining));
        }
        finally
        {
            await Pool.SetNodeStateAsync(node, NodeState.Ready);
        }
    }

    [Fact]
    public async Task An_unknown_task_is_null_false_and_null()
    {
        var unknown = "never-submitted-" + Guid.NewGuid().ToString("N")[..8];

        Assert.Null(await Pool.GetTaskAsync(unknown));
        Assert.False(await Pool.CancelTaskAsync(unknown, TimeSpan.Zero));
        Assert.Null(await Pool.ReadLogAsync(unknown, PoolLogStream.Stdout, 0, 100));
        Assert.DoesNotContain(await Pool.ListTasksAsync(), t => t.TaskId == unknown);
    }

    [Fact]
    public async Task An_unreachable_pool_fails_clearly_and_reserves_nothing()
    {
        var (node, gpus) = await Fixture.FreeNodeAsync();
        var unreachable = Fixture.Unreachable();
        var hold = WholeNode(node, gpus);

        var listing = await Record.ExceptionAsync(() => unreachable.ListNodesAsync());
        ReservationResult? reserved = null;
        var reserving = await Record.ExceptionAsync(async () => reserved = await unreachable.ReserveAsync(hold));
        // A submit must not come back Failed (that ends the tenant's job for good): the pool did not answer, so it throws
        // and the portal's dispatcher submits again later.
        var submitting = await Record.ExceptionAsync(() => unreachable.SubmitTaskAsync(Spec(hold, "true\n")));

        Assert.NotNull(listing);
        Assert.False(string.IsNullOrWhiteSpace(listing.Message));
        // Either a Failed outcome with a message or an exception (LifecyclePool turns both into a retry).
        if (reserving is null) Assert.Equal(ReservationOutcome.Failed, reserved!.Outcome);
        Assert.False(string.IsNullOrWhiteSpace(reserving?.Message ?? reserved!.Message));
        Assert.NotNull(submitting);
        Assert.IsNotType<NotSupportedException>(submitting);
        Assert.Equal(0, (await Pool.ListNodesAsync()).Single(n => n.Id == node).ReservedGpus);
    }

    private async Task<NodeState> StateOfAsync(string node) => (await Pool.ListNodesAsync()).Single(n => n.Id == node).State;
}
