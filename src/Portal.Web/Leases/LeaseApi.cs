using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>
/// The REST API under /api/v1/leases, for the signed-in member's organisation (cookie), or an API key's
/// (<c>Authorization: Bearer sk-portal-...</c>: the Read scope reads, the Leases scope also acts as an Admin). Another tenant's
/// lease is a 404 like one that does not exist; refusals are problem details (<see cref="Portal.Web.Refusals.RefusalProblem"/>) carrying the
/// refusal's code. POSTs that create something honour an
/// <c>Idempotency-Key</c> header: the same key again answers with what the first request made. This class only maps the
/// routes and describes them; the handlers are in the <c>Lease…Endpoints</c> classes.
/// </summary>
public static class LeaseApi
{
    public const string Base = "/api/v1/leases";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private const string MoneyNote = " Money is given twice: exact integer micro-dollars (`...Micros`, 1 USD = 1,000,000) and decimal US dollars (`...Usd`).";
    private const string FlexibleNote =
        " Instead of `sku`, a request may name any of several GPU types of the region: `skus` (a list of SKU ids), `minGpuMemoryGb` " +
        "(every type of the region with at least that much memory per GPU), or both (the named types with that much). The portal tries each " +
        "and chooses " + SkuChoice.Rule + ". The answer's `sku` is the type chosen, `chosenFrom` the acceptable set, and `choice` says why " +
        "(every candidate with its total and GPUs free); the price and the agreement are those of the type chosen. Sending `sku` with " +
        "`skus` or `minGpuMemoryGb`, an unknown SKU, a SKU with no nodes in the region, or a set left empty is a 400 problem naming the field.";
    private const string IdempotencyNote =
        " Send an `Idempotency-Key` header (up to 100 characters) to make retries safe: the same key again returns the first result.";

    public static WebApplication MapLeaseApi(this WebApplication app)
    {
        var api = app.MapGroup(Base).RequireAuthorization(ApiKeys.ApiKeysWebExtensions.LeasesPolicy).WithTags("Leases")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapPost("/quote", LeaseQuoteEndpoints.QuoteAsync)
            .WithSummary("Quote a lease and hold its capacity")
            .WithDescription("Places the GPUs on nodes as a hold (10 minutes by default) at an exact price, itemised. `start` is a whole UTC hour " +
                             "(ISO 8601, e.g. `2027-03-01T09:00:00Z`) or `\"now\"` for the current hour: a lease for now starts when it becomes " +
                             "active and runs its hours from that minute (its `start` and `end` move then). 201 with the held lease; 200 when the " +
                             "Idempotency-Key was seen before. 409 `no_capacity` lists `earlierWindows` and `laterWindows` that fit; " +
                             "409 `quota_exceeded` and `spend_limit_exceeded` say what is left (quotes on hold count); 409 `too_many_holds` when " +
                             "the organisation has its most quotes on hold at once; 429 `quote_rate_limited` with `Retry-After` past its quotes a minute." +
                             FlexibleNote + IdempotencyNote + MoneyNote)
            .ProducesHold<LeaseRequestBody, LeaseJson>(StatusCodes.Status403Forbidden);

        api.MapPost("/check", LeaseQuoteEndpoints.CheckAsync)
            .WithSummary("Check whether a lease would fit, without holding anything")
            .WithDescription("A dry run of a quote: whether it fits now and its price; when it does not, the nearest windows that do and " +
                             "the same window in other regions or SKUs. With `skus` or `minGpuMemoryGb`, `choice` says which type would be chosen " +
                             "and why, and the windows are where any acceptable type fits." + FlexibleNote + MoneyNote)
            .Accepts<LeaseRequestBody>("application/json")
            .Produces<LeaseCheckJson>().ProducesValidationProblem();

        api.MapGet("", LeaseListEndpoint.ListAsync)
            .WithSummary("List the organisation's leases, newest first")
            .WithDescription("Filters: `state` (e.g. Scheduled, Active, PendingApproval, Expired), `sku`, `region`. Paging: `limit` (1 to 200, " +
                             "default 50) and `after` (the `nextAfter` of the previous page).")
            .Produces<LeaseListJson>().ProducesValidationProblem();

        api.MapGet("/{id:guid}", LeaseReadEndpoints.GetAsync)
            .WithSummary("One lease, with its allocations by node, extensions and timeline")
            .Produces<LeaseJson>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{id:guid}/agreement", LeaseReadEndpoints.AgreementAsync)
            .WithSummary("The signed lease agreement as PDF")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id:guid}/sign", LeaseActionEndpoints.SignAsync)
            .WithSummary("Sign a held quote (Owners and Admins)")
            .WithDescription("Click-wrap signature: the signer's full name and `accept: true`. The hold becomes firm; leases over the approval " +
                             "threshold go to PendingApproval, the rest to Scheduled. 409 `hold_expired` or `already_signed` change nothing." + IdempotencyNote)
            .Accepts<SignBody>("application/json")
            .Produces<LeaseJson>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/{id:guid}/extendable-until", LeaseExtensionEndpoints.ExtendableUntilAsync)
            .WithSummary("The latest end the lease can be extended to on the same nodes")
            .Produces<ExtendableUntilJson>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id:guid}/extend", LeaseExtensionEndpoints.ExtendAsync)
            .WithSummary("Quote an extension and hold it (Owners and Admins)")
            .WithDescription("Holds the same nodes for `hours` more, priced like a lease of that length; sign the returned amendment to extend. " +
                             "201 with the held amendment; 200 when the Idempotency-Key was seen before. It is a quote: the same limits " +
                             "(`quota_exceeded`, `spend_limit_exceeded`, `too_many_holds`, 429 `quote_rate_limited`) apply." + IdempotencyNote + MoneyNote)
            .ProducesHold<ExtendBody, AmendmentJson>(StatusCodes.Status404NotFound);

        api.MapPost("/{id:guid}/amendments/{amendmentId:guid}/sign", LeaseExtensionEndpoints.SignAmendmentAsync)
            .WithSummary("Sign a held extension (Owners and Admins)")
            .Accepts<SignBody>("application/json")
            .Produces<LeaseJson>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/{id:guid}/amendments/{amendmentId:guid}/agreement", LeaseReadEndpoints.AmendmentAgreementAsync)
            .WithSummary("A signed extension amendment as PDF")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id:guid}/cancel", LeaseActionEndpoints.CancelAsync)
            .WithSummary("Cancel a quote or a lease that has not started")
            .WithDescription("A quote is discarded free; a signed lease is cancelled under the cancellation policy (`cancellationFee...`). " +
                             "Its capacity is free at once.")
            .Produces<LeaseJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{id:guid}/release", LeaseActionEndpoints.ReleaseAsync)
            .WithSummary("Release an active lease early (Owners and Admins)")
            .WithDescription("Its GPUs are given back at the current hour; the cancellation policy says what is billed.")
            .Produces<LeaseJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapLeaseDealEndpoints();
        return app;
    }

    /// <summary>What a quote-and-hold endpoint answers: 201 with what it held, 200 for a replayed key, or why not.</summary>
    private static RouteHandlerBuilder ProducesHold<TBody, TResult>(this RouteHandlerBuilder endpoint, int refusedStatus) where TBody : notnull
        => endpoint.Accepts<TBody>("application/json")
            .Produces<TResult>(StatusCodes.Status201Created).Produces<TResult>()
            .ProducesValidationProblem().ProducesProblem(refusedStatus).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
