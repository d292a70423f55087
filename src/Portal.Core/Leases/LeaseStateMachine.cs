namespace Portal.Core.Leases;

/// <summary>Everything that may change a lease's <see cref="LeaseState"/> (DESIGN.md, "Lease lifecycle").</summary>
public enum LeaseAction
{
    /// <summary>A signed lease that needs no approval: it waits for its start.</summary>
    Sign,
    /// <summary>A signed lease over the approval thresholds: it waits for Support.</summary>
    SignForApproval,
    Approve,
    Reject,
    /// <summary>The quote's hold ran out unsigned.</summary>
    Expire,
    StartProvisioning,
    /// <summary>The pool holds every allocation due.</summary>
    Activate,
    /// <summary>The pool could not provision it (after retries, or before its end).</summary>
    Fail,
    /// <summary>The tenant cancels a quote or a lease that has not started.</summary>
    Cancel,
    /// <summary>The tenant releases an active lease early.</summary>
    Release,
    /// <summary>Support ends a signed lease: one that has not started is cancelled, an active one ends now.</summary>
    Terminate,
    /// <summary>An active lease reached its end: its GPUs go back to the pool.</summary>
    BeginEnding,
    /// <summary>Every reservation of an ending lease is back on the pool.</summary>
    End,
    /// <summary>Support proposes amended terms (price, window, cancellation) for a lease under review; it stays under review.</summary>
    ProposeTerms,
    /// <summary>The tenant signs Support's amended terms: the lease is approved on them.</summary>
    AcceptTerms,
    /// <summary>The tenant declines Support's amended terms: the lease is cancelled free and its capacity released.</summary>
    DeclineTerms,
    /// <summary>The tenant left Support's amended terms unanswered past their deadline: the capacity is released.</summary>
    LapseTerms,
}

/// <summary>
/// The lease lifecycle as data: which action may move a lease from which state, and where to. It is the only
/// code that changes <see cref="Lease.State"/>, so no path (user, Support, API, job) can take a lease where the
/// design does not allow. Callers check <see cref="Allows"/> first to refuse with their own message; <see cref="Apply"/>
/// refuses a forbidden move itself, before changing anything.
/// </summary>
public static class LeaseStateMachine
{
    /// <summary>The code a forbidden move is refused with (HTTP 409, like the callers' own refusals).</summary>
    public const string NotAllowedCode = "not_allowed";

    /// <summary>The code an approval is refused with while amended terms wait for the tenant (HTTP 409).</summary>
    public const string AwaitingTenantCode = "offer_awaiting_tenant";

    /// <summary>Where a quote starts its life.</summary>
    public const LeaseState Initial = LeaseState.Held;

    private static readonly Dictionary<(LeaseState From, LeaseAction Action), LeaseState> Table = new()
    {
        [(LeaseState.Held, LeaseAction.Sign)] = LeaseState.Scheduled,
        [(LeaseState.Held, LeaseAction.SignForApproval)] = LeaseState.PendingApproval,
        [(LeaseState.Held, LeaseAction.Expire)] = LeaseState.Expired,
        [(LeaseState.Held, LeaseAction.Cancel)] = LeaseState.Cancelled,

        [(LeaseState.PendingApproval, LeaseAction.Approve)] = LeaseState.Scheduled,
        [(LeaseState.PendingApproval, LeaseAction.Reject)] = LeaseState.Rejected,
        [(LeaseState.PendingApproval, LeaseAction.Cancel)] = LeaseState.Cancelled,
        [(LeaseState.PendingApproval, LeaseAction.Terminate)] = LeaseState.Cancelled,
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
        // Ended, Cancelled, Expired, Rejected and Failed are final: no action leaves them.
    };

    /// <summary>Every allowed move, for tests and documentation.</summary>
    public static IReadOnlyDictionary<(LeaseState From, LeaseAction Action), LeaseState> Transitions => Table;

    /// <summary>Where <paramref name="action"/> takes a lease in <paramref name="from"/>; null when it is not allowed.</summary>
    public static LeaseState? Target(LeaseState from, LeaseAction action) => Table.TryGetValue((from, action), out var to) ? to : null;

    public static bool Allows(LeaseState from, LeaseAction action) => Table.ContainsKey((from, action));

    /// <summary>The states <paramref name="action"/> may start from, in lifecycle order.</summary>
    public static LeaseState[] StatesAllowing(LeaseAction action) =>
        [.. Enum.GetValues<LeaseState>().Where(s => Allows(s, action))];

    /// <summary>Gives a new quote its first state.</summary>
    public static void Begin(Lease lease) => SetState(lease, Initial);

    /// <summary>
    /// Moves the lease by <paramref name="action"/> and returns its new state, or throws a <see cref="LeaseException"/>
    /// (<see cref="NotAllowedCode"/>) leaving the lease untouched when the table does not allow it.
    /// </summary>
    public static LeaseState Apply(Lease lease, LeaseAction action)
    {
        var to = Target(lease.State, action)
            ?? throw new LeaseException(NotAllowedCode, $"This lease is {lease.State}: it cannot {Describe(action)}. Nothing was changed.");
        // A deal's guard: while amended terms are out, the tenant's signature approves the lease, not Support.
        if (action == LeaseAction.Approve && Deals.LeaseOfferStateMachine.ApproveRefusal(lease) is { } waiting)
            throw new LeaseException(AwaitingTenantCode, waiting + " Nothing was changed.");
        SetState(lease, to);
        return to;
    }

    // The one assignment of Lease.State in the product.
    private static void SetState(Lease lease, LeaseState to) => lease.State = to;

    private static string Describe(LeaseAction action) => action switch
    {
        LeaseAction.Sign or LeaseAction.SignForApproval => "be signed",
        LeaseAction.Approve => "be approved",
        LeaseAction.Reject => "be rejected",
        LeaseAction.Expire => "expire",
        LeaseAction.StartProvisioning => "start provisioning",
        LeaseAction.Activate => "become active",
        LeaseAction.Fail => "fail",
        LeaseAction.Cancel => "be cancelled",
        LeaseAction.Release => "be released early",
        LeaseAction.Terminate => "be terminated",
        LeaseAction.BeginEnding => "begin ending",
        LeaseAction.End => "end",
        LeaseAction.ProposeTerms => "get amended terms (it is not under review)",
        LeaseAction.AcceptTerms or LeaseAction.DeclineTerms => "answer amended terms (none are waiting for you)",
        LeaseAction.LapseTerms => "let amended terms lapse",
        _ => action.ToString(),
    };
}
