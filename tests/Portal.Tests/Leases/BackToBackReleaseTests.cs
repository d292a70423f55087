using Portal.Core.Leases;

namespace Portal.Tests.Leases;

/// <summary>
/// Back-to-back leases on one node: a lease placed on a node that another worker is still giving back starts as soon as the
/// release finishes, not a provisioning backoff later (the Slurm benchmark's 15 s p99).
/// </summary>
public class BackToBackReleaseTests(ScriptedPoolLeaseFactory factory) : IClassFixture<ScriptedPoolLeaseFactory>, IDisposable
{
    private const string Region = "us-south-1", Sku = "h100-sxm-80gb";
    private readonly LifecycleKit kit = new(factory);

    public void Dispose() => factory.Script.Disarm();

    [Fact]
    public async Task A_lease_whose_node_is_given_back_while_it_is_reserved_is_active_at_once_instead_of_after_a_backoff()
    {
        var (firstTenant, firstOwner) = await factory.NewTenantAsync();
        var first = await kit.ActiveAsync(firstTenant, firstOwner, new LeaseRequest(Region, Sku, 8, factory.ThisHour, 4));
        await using (var member = await factory.As(firstTenant, firstOwner))
            await member.Cancelling.ReleaseAsync(first.Id);
        var (secondTenant, secondOwner) = await factory.NewTenantAsync();
        var second = await kit.SignedAsync(secondTenant, secondOwner, new LeaseRequest(Region, Sku, 8, factory.ThisHour, 4));
        Assert.Equal(first.Allocations.Single().NodeId, second.Allocations.Single().NodeId); // the node just given back

        // The pool still holds the node when the second lease asks for it; the first lease's release (another worker) finishes
        // just after, before the second lease looks for what is stale on the node.
        factory.Script.BusyOnce = () => kit.RunAsync<EndLeaseJob>(j => j.RunAsync(first.Id));
        await kit.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(second.Id));

        var started = await kit.LoadAsync(second.Id);
        Assert.Null(factory.Script.BusyOnce); // the pool did refuse once
        Assert.True(started.State == LeaseState.Active, string.Join("\n", started.Events.Select(e => e.Message)));
        Assert.Equal((LeaseState.Active, 0, null), (started.State, started.ProvisionAttempts, started.NextProvisionAttemptAt));
        Assert.NotNull((await kit.LoadAsync(first.Id)).Allocations.Single().PoolReleasedAt);
    }
}
