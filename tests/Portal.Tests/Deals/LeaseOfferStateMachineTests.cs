using Portal.Core.Deals;
using Portal.Core.Leases;

namespace Portal.Tests.Deals;

/// <summary>
/// Amended terms have one state machine: Proposed, then one answer. A repeat of the answer they already have changes
/// nothing; any other move is refused with what happened to them, and leaves them as they were.
/// </summary>
public class LeaseOfferStateMachineTests
{
    private static readonly DateTime Now = new(2027, 3, 10, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Lapsed_terms_cannot_be_signed_or_declined()
    {
        var offer = Offer(OfferState.Proposed);
        Assert.True(LeaseOfferStateMachine.Apply(offer, OfferAction.Lapse, Now));

        var sign = Assert.Throws<LeaseException>(() => LeaseOfferStateMachine.Apply(offer, OfferAction.Accept, Now));
        Assert.Equal(LeaseOfferStateMachine.NotOpenCode, sign.Code);
        Assert.Contains("lapsed unanswered", sign.Message);
        Assert.Contains("can no longer be signed", sign.Message);
        Assert.Throws<LeaseException>(() => LeaseOfferStateMachine.Apply(offer, OfferAction.Decline, Now));
        Assert.Equal((OfferState.Lapsed, Now), (offer.State, offer.AnsweredAt));
    }

    [Fact]
    public void Declined_terms_cannot_lapse_and_signed_ones_cannot_be_declined()
    {
        var declined = Offer(OfferState.Declined);
        var lapse = Assert.Throws<LeaseException>(() => LeaseOfferStateMachine.Apply(declined, OfferAction.Lapse, Now));
        Assert.Contains("already declined: they cannot lapse", lapse.Message);
        Assert.Equal(OfferState.Declined, declined.State);

        var signed = Offer(OfferState.Accepted);
        var refused = Assert.Throws<LeaseException>(() => LeaseOfferStateMachine.Apply(signed, OfferAction.Decline, Now));
        Assert.Contains("can no longer be declined", refused.Message);
        Assert.Contains("Support withdrew", Assert.Throws<LeaseException>(() =>
            LeaseOfferStateMachine.Apply(Offer(OfferState.Withdrawn), OfferAction.Accept, Now)).Message);
    }

    [Fact]
    public void Signing_twice_changes_nothing_the_second_time()
    {
        var offer = Offer(OfferState.Proposed);
        Assert.True(LeaseOfferStateMachine.Apply(offer, OfferAction.Accept, Now));
        Assert.False(LeaseOfferStateMachine.Apply(offer, OfferAction.Accept, Now.AddMinutes(5)));
        Assert.Equal((OfferState.Accepted, Now), (offer.State, offer.AnsweredAt));
    }

    [Fact]
    public void An_answer_after_the_deadline_is_refused_before_the_sweep_marks_the_terms_lapsed()
    {
        var offer = Offer(OfferState.Proposed);
        var late = Assert.Throws<LeaseException>(() => LeaseOfferStateMachine.Apply(offer, OfferAction.Accept, offer.RespondBy));
        Assert.Equal(LeaseOfferStateMachine.LapsedCode, late.Code);
        Assert.Equal(OfferState.Proposed, offer.State);
        Assert.True(LeaseOfferStateMachine.Apply(offer, OfferAction.Lapse, offer.RespondBy)); // the sweep may
    }

    [Fact]
    public void Only_proposed_terms_move_and_every_ended_state_is_final()
    {
        foreach (var from in Enum.GetValues<OfferState>())
        foreach (var action in Enum.GetValues<OfferAction>())
        {
            var allowed = LeaseOfferStateMachine.Transitions.ContainsKey((from, action));
            Assert.Equal(from == OfferState.Proposed, allowed);
            var offer = Offer(from);
            var repeat = from == LeaseOfferStateMachine.Outcome(action);
            if (allowed || repeat) Assert.Equal(allowed, LeaseOfferStateMachine.Apply(offer, action, Now));
            else Assert.Throws<LeaseException>(() => LeaseOfferStateMachine.Apply(offer, action, Now));
            Assert.Equal(allowed ? LeaseOfferStateMachine.Outcome(action) : from, offer.State);
        }
    }

    [Fact]
    public void A_lease_with_amended_terms_out_cannot_be_approved_by_support()
    {
        var lease = new Lease { State = LeaseState.PendingApproval, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", OfferDueAt = Now.AddDays(3) };
        var refused = Assert.Throws<LeaseException>(() => LeaseStateMachine.Apply(lease, LeaseAction.Approve));
        Assert.Equal(LeaseStateMachine.AwaitingTenantCode, refused.Code);
        Assert.Contains("waiting for the tenant's signature until", refused.Message);
        Assert.Equal(LeaseState.PendingApproval, lease.State);

        lease.OfferDueAt = null; // answered, withdrawn or lapsed: Support decides again
        Assert.Equal(LeaseState.Scheduled, LeaseStateMachine.Apply(lease, LeaseAction.Approve));
    }

    private static LeaseOffer Offer(OfferState state) => new()
    {
        State = state, Reason = "Volume commitment", ProposedBy = "support@example.com", ProposedAt = Now.AddDays(-1),
        RespondBy = Now.AddDays(2), AnsweredAt = state == OfferState.Proposed ? null : Now.AddHours(-1),
        Start = Now.AddDays(5), End = Now.AddDays(6),
    };
}
