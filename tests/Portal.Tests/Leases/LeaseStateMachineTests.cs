using Portal.Core.Leases;

namespace Portal.Tests.Leases;

/// <summary>Every (state, action) pair of the lease lifecycle: allowed ones land where DESIGN.md says, the rest change nothing.</summary>
public class LeaseStateMachineTests
{
    // The lifecycle of DESIGN.md, written out independently of the product's table.
    private static readonly Dictionary<(LeaseState, LeaseAction), LeaseState> Design = new()
    {
        [(LeaseState.Held, LeaseAction.Sign)] = LeaseState.Scheduled,
        [(LeaseState.Held, LeaseAction.SignForApproval)] = LeaseState.PendingApproval,
        [(LeaseState.Held, LeaseAction.Expire)] = LeaseState.Expired,
        [(LeaseState.Held, LeaseAction.Cancel)] = LeaseState.Cancelled,
        [(LeaseState.PendingApproval, LeaseAction.Approve)] = LeaseState.Scheduled,
        [(LeaseState.PendingApproval, LeaseAction.Reject)] = LeaseState.Rejected,
        [(LeaseState.PendingApproval, LeaseAction.Cancel)] = LeaseState.Cancelled,
        [(LeaseState.PendingApproval, LeaseAction.Terminate)] = LeaseState.Cancelled,
        // A deal: Support amends the terms (still under review); the tenant signs them (approved), declines them, or lets them lapse.
        [(LeaseState.PendingApproval, LeaseAction.ProposeTerms)] = LeaseState.PendingApproval,
        [(LeaseState.PendingApproval, LeaseAction.AcceptTerms)] = LeaseState.Scheduled,
        [(LeaseState.PendingApproval, LeaseAction.DeclineTerms)] = LeaseState.Cancelled,
        [(LeaseState.PendingApproval, LeaseAction.LapseTerms)] = LeaseState.Expired,
        [(LeaseState.Scheduled, LeaseAction.StartProvisioning)] = LeaseState.Provisioning,
        [(LeaseState.Scheduled, LeaseAction.Fail)] = LeaseState.Failed,
        [(LeaseState.Scheduled, LeaseAction.Cancel)] = LeaseState.Cancelled,
        [(LeaseState.Scheduled, LeaseAction.Terminate)] = LeaseState.Cancelled,
        [(LeaseState.Provisioning, LeaseAction.Activate)] = LeaseState.Active,
        [(LeaseState.Provisioning, LeaseAction.Fail)] = LeaseState.Failed,
        [(LeaseState.Provisioning, LeaseAction.Cancel)] = LeaseState.Cancelled,
        [(LeaseState.Provisioning, LeaseAction.Terminate)] = LeaseState.Cancelled,
        [(LeaseState.Active, LeaseAction.Release)] = LeaseState.Ending,
        [(LeaseState.Active, LeaseAction.Terminate)] = LeaseState.Ending,
        [(LeaseState.Active, LeaseAction.BeginEnding)] = LeaseState.Ending,
        [(LeaseState.Ending, LeaseAction.End)] = LeaseState.Ended,
    };

    public static TheoryData<LeaseState, LeaseAction> EveryPair()
    {
        var data = new TheoryData<LeaseState, LeaseAction>();
        foreach (var state in Enum.GetValues<LeaseState>())
            foreach (var action in Enum.GetValues<LeaseAction>())
                data.Add(state, action);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_state_and_action_either_lands_where_the_design_says_or_is_refused_changing_nothing(LeaseState from, LeaseAction action)
    {
        var lease = new Lease { RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 1, State = from, Version = 7 };

        if (Design.TryGetValue((from, action), out var to))
        {
            Assert.True(LeaseStateMachine.Allows(from, action));
            Assert.Equal(to, LeaseStateMachine.Apply(lease, action));
            Assert.Equal(to, lease.State);
        }
        else
        {
            Assert.False(LeaseStateMachine.Allows(from, action));
            var refused = Assert.ThrowsAny<LeaseException>(() => LeaseStateMachine.Apply(lease, action));
            Assert.Equal(LeaseStateMachine.NotAllowedCode, refused.Code);
            Assert.Equal(409, refused.Status);
            Assert.Contains(from.ToString(), refused.Message);
            Assert.Equal(from, lease.State);
        }
        Assert.Equal(7, lease.Version); // the caller's save bumps the version, never the table
    }

    [Fact]
    public void The_table_has_exactly_the_designed_moves_and_final_states_have_none()
    {
        Assert.Equal(Design.OrderBy(p => p.Key).ToList(), LeaseStateMachine.Transitions.OrderBy(p => p.Key).ToList());
        foreach (var final in new[] { LeaseState.Ended, LeaseState.Cancelled, LeaseState.Expired, LeaseState.Rejected, LeaseState.Failed })
            Assert.All(Enum.GetValues<LeaseAction>(), a => Assert.False(LeaseStateMachine.Allows(final, a)));
        Assert.Equal([LeaseState.PendingApproval, LeaseState.Scheduled, LeaseState.Provisioning, LeaseState.Active],
            LeaseAdminDecisions.TerminableStates);
    }

    [Fact]
    public void A_new_quote_begins_held()
    {
        var lease = new Lease { RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = 1, State = LeaseState.Failed };
        LeaseStateMachine.Begin(lease);
        Assert.Equal(LeaseState.Held, lease.State);
    }
}
