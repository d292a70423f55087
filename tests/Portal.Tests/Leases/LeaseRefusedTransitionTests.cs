using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Leases;

/// <summary>
/// A user's or Support's action the lifecycle forbids, sent through the real services to a lease in the database:
/// it is refused and the lease (state, version, timeline) is exactly as before.
/// </summary>
public class LeaseRefusedTransitionTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private static readonly LeaseAction[] ByPeople =
        [LeaseAction.Sign, LeaseAction.Cancel, LeaseAction.Release, LeaseAction.Approve, LeaseAction.Reject, LeaseAction.Terminate];

    [Fact]
    public async Task Every_forbidden_user_or_support_action_is_refused_and_changes_nothing_in_the_database()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        Guid id;
        await using (var member = await factory.As(tenantId, ownerId))
            id = (await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "h100-sxm-80gb", 1, factory.ThisHour.AddHours(40), 2))).Id;

        var tried = 0;
        foreach (var state in Enum.GetValues<LeaseState>())
        {
            await PutAsync(id, state);
            var before = await ReadAsync(id);
            foreach (var action in ByPeople.Where(a => !LeaseStateMachine.Allows(state, a)))
            {
                Assert.False(await TryAsync(tenantId, ownerId, id, action), $"{action} on a {state} lease was not refused");
                Assert.Equal(before, await ReadAsync(id));
                tried++;
            }
        }
        Assert.True(tried > 40, $"only {tried} refusals tried");
    }

    [Fact]
    public async Task Cancelling_an_ended_lease_or_approving_a_scheduled_one_is_refused_with_the_usual_messages()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        Guid id;
        await using (var member = await factory.As(tenantId, ownerId))
            id = (await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "h100-sxm-80gb", 1, factory.ThisHour.AddHours(50), 2))).Id;

        await PutAsync(id, LeaseState.Ended);
        var ended = await ReadAsync(id);
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var refused = await Assert.ThrowsAsync<LeaseException>(() => member.Cancelling.CancelAsync(id));
            Assert.Equal("not_cancellable", refused.Code);
            Assert.Contains("Ended", refused.Message);
        }
        Assert.Equal(ended, await ReadAsync(id));

        await PutAsync(id, LeaseState.Scheduled);
        var scheduled = await ReadAsync(id);
        await using var support = await SupportScope.CreateAsync(factory);
        var approved = await Outcome.Of(support.Get<LeaseAdminDecisions>().ApproveAsync(id));
        Assert.False(approved.Succeeded);
        Assert.Contains("not waiting for approval", approved.Message);
        Assert.Equal(scheduled, await ReadAsync(id));
    }

    /// <summary>True when the action went through; false when it was refused.</summary>
    private async Task<bool> TryAsync(Guid tenantId, string ownerId, Guid id, LeaseAction action)
    {
        if (action is LeaseAction.Approve or LeaseAction.Reject or LeaseAction.Terminate)
        {
            await using var support = await SupportScope.CreateAsync(factory);
            var admin = support.Get<LeaseAdminDecisions>();
            var result = action switch
            {
                LeaseAction.Approve => await Outcome.Of(admin.ApproveAsync(id)),
                LeaseAction.Reject => await Outcome.Of(admin.RejectAsync(id, "Not in this state")),
                _ => await Outcome.Of(admin.TerminateAsync(id, "Not in this state")),
            };
            return result.Succeeded;
        }
        await using var member = await factory.As(tenantId, ownerId);
        try
        {
            _ = action switch
            {
                LeaseAction.Sign => await member.Signing.SignAsync(id, "Ada Lovelace", accepted: true),
                LeaseAction.Cancel => await member.Cancelling.CancelAsync(id),
                _ => await member.Cancelling.ReleaseAsync(id),
            };
            return true;
        }
        catch (LeaseException)
        {
            return false;
        }
    }

    private async Task PutAsync(Guid id, LeaseState state)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await db.Leases.IgnoreQueryFilters().Where(l => l.Id == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.State, state));
    }

    private async Task<(LeaseState, int, int, int)> ReadAsync(Guid id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = await db.Leases.IgnoreQueryFilters().AsNoTracking().Include(l => l.Events).Include(l => l.Allocations).FirstAsync(l => l.Id == id);
        return (lease.State, lease.Version, lease.Events.Count, lease.Allocations.Count(a => a.Status == AllocationStatus.Released));
    }
}
