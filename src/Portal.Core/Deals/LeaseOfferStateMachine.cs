using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Deals;

/// <summary>Everything that may end Support's amended terms (<see cref="LeaseOffer.State"/>).</summary>
public enum OfferAction
{
    /// <summary>The tenant signs them: the lease runs on them.</summary>
    Accept,
    /// <summary>The tenant declines them: the lease is cancelled free.</summary>
    Decline,
    /// <summary>Their deadline passed unanswered.</summary>
    Lapse,
    /// <summary>Support sent newer terms, or the lease stopped waiting for an answer (rejected, cancelled, terminated).</summary>
    Withdraw,
}

/// <summary>
/// The life of amended terms as data, like <see cref="LeaseStateMachine"/> for leases: they are Proposed, and one action
/// ends them. It is the only code that changes <see cref="LeaseOffer.State"/>. Giving an ended offer the answer it already
/// has changes nothing (a second signature, a lapse sweep run twice); any other move is refused with what happened to them.
/// </summary>
public static class LeaseOfferStateMachine
{
    /// <summary>The codes a refusal carries (HTTP 409), as the API has answered since deals were added.</summary>
    public const string NotOpenCode = "offer_not_open", LapsedCode = "offer_lapsed";

    private static readonly Dictionary<(OfferState From, OfferAction Action), OfferState> Table = new()
    {
        [(OfferState.Proposed, OfferAction.Accept)] = OfferState.Accepted,
        [(OfferState.Proposed, OfferAction.Decline)] = OfferState.Declined,
        [(OfferState.Proposed, OfferAction.Lapse)] = OfferState.Lapsed,
        [(OfferState.Proposed, OfferAction.Withdraw)] = OfferState.Withdrawn,
        // Accepted, Declined, Lapsed and Withdrawn are final.
    };

    /// <summary>Every allowed move, for tests and documentation.</summary>
    public static IReadOnlyDictionary<(OfferState From, OfferAction Action), OfferState> Transitions => Table;

    /// <summary>The state <paramref name="action"/> ends an offer in.</summary>
    public static OfferState Outcome(OfferAction action) => Table[(OfferState.Proposed, action)];

    /// <summary>
    /// Checks that <paramref name="action"/> may be applied at <paramref name="now"/>, without changing anything: true when it
    /// would end the offer, false when the offer already ended that way (a repeat, nothing to do), else the refusal.
    /// A tenant's answer after the deadline is refused even before the sweep marks the offer lapsed.
    /// </summary>
    public static bool Check(LeaseOffer offer, OfferAction action, DateTime now)
    {
        if (offer.State == Outcome(action)) return false;
        if (!Table.ContainsKey((offer.State, action))) throw new LeaseException(NotOpenCode, Refusal(offer, action));
        if (action is OfferAction.Accept or OfferAction.Decline && offer.RespondBy <= now)
            throw new LeaseException(LapsedCode,
                $"These amended terms lapsed at {LeaseAgreement.FormatTime(offer.RespondBy)}; the capacity is being released. Nothing was changed.");
        return true;
    }

    /// <summary>Ends the offer by <paramref name="action"/> (see <see cref="Check"/>); false when it already had that answer.</summary>
    public static bool Apply(LeaseOffer offer, OfferAction action, DateTime now)
    {
        if (!Check(offer, action, now)) return false;
        offer.State = Outcome(action); // the one assignment of LeaseOffer.State after it is proposed
        offer.AnsweredAt = now;
        return true;
    }

    /// <summary>Withdraws every open offer of the lease (its Offers loaded): newer terms replace them, or the lease stopped waiting.</summary>
    public static void WithdrawOpen(Lease lease, DateTime now)
    {
        foreach (var offer in lease.Offers.Where(o => o.State == OfferState.Proposed)) Apply(offer, OfferAction.Withdraw, now);
    }

    /// <summary>
    /// Withdraws the open terms of a lease that stops waiting for the tenant's answer another way (Support rejects or terminates it,
    /// the tenant cancels it), so none stays "Proposed" on a lease that can no longer run on it. Loads the offers only when terms are out.
    /// </summary>
    public static async Task WithdrawOpenAsync(PortalDbContext db, Lease lease, DateTime now, CancellationToken ct)
    {
        if (lease.OfferDueAt is null) return;
        await db.Entry(lease).Collection(l => l.Offers).LoadAsync(ct);
        WithdrawOpen(lease, now);
        lease.OfferDueAt = null;
    }

    /// <summary>
    /// Why Support may not approve the lease as signed now, or null: amended terms are out and the tenant's signature of them is
    /// what approves it. <see cref="LeaseStateMachine"/> refuses the approval with this; Support's lease page shows it instead of Approve.
    /// </summary>
    public static string? ApproveRefusal(Lease lease) => lease.OfferDueAt is { } due
        ? $"Amended terms are waiting for the tenant's signature until {LeaseAgreement.FormatTime(due)}: signing them approves the lease. " +
          "To change them, send newer terms; to stop the deal, reject the lease."
        : null;

    private static string Refusal(LeaseOffer offer, OfferAction action)
    {
        var what = action switch
        {
            OfferAction.Accept => "they can no longer be signed",
            OfferAction.Decline => "they can no longer be declined",
            OfferAction.Lapse => "they cannot lapse",
            _ => "they cannot be withdrawn",
        };
        return offer.State switch
        {
            OfferState.Withdrawn => $"Support withdrew these amended terms (newer terms replaced them, or the lease stopped waiting for them): {what}. " +
                                    "Nothing was changed.",
            OfferState.Lapsed => $"These amended terms lapsed unanswered at {LeaseAgreement.FormatTime(offer.RespondBy)}: {what}. Nothing was changed.",
            var s => $"These amended terms were already {s.ToString().ToLowerInvariant()}: {what}. Nothing was changed.",
        };
    }
}
