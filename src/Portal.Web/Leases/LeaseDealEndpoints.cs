using Microsoft.AspNetCore.Mvc;
using Portal.Core.Deals;
using Portal.Core.Leases;
using static Portal.Web.Leases.LeaseApiInput;

namespace Portal.Web.Leases;

/// <summary>The tenant's answer to Support's amended terms through the API: sign them or decline them; both answer with the lease.</summary>
internal static class LeaseDealEndpoints
{
    public static RouteGroupBuilder MapLeaseDealEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/{id:guid}/offers/{offerId:guid}/sign", SignAsync)
            .WithSummary("Sign Support's amended terms (Owners and Admins)")
            .WithDescription("A lease over the approval threshold is reviewed by Support (`review`: `UnderReview` until `dueAt`), who may offer " +
                             "amended terms (`offers`, state `Proposed`; `review.state` `AwaitingSignature` until `dueAt`): a negotiated rate with " +
                             "a reason, a window and cancellation terms. Signing them (click-wrap, like `sign`) schedules the lease on them and billing " +
                             "charges the negotiated rate. 409 `offer_not_open` when they were replaced, answered or the lease is no longer under review; " +
                             "409 `offer_lapsed` after their deadline (the capacity is then released). Another organisation's lease is a 404.")
            .Accepts<SignBody>("application/json")
            .Produces<LeaseJson>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{id:guid}/offers/{offerId:guid}/decline", DeclineAsync)
            .WithSummary("Decline Support's amended terms (Owners and Admins)")
            .WithDescription("The lease is cancelled without a fee and its capacity released at once.")
            .Produces<LeaseJson>().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/{id:guid}/offers/{offerId:guid}/agreement", AgreementAsync)
            .WithSummary("Signed amended terms as PDF")
            .WithDescription("The amended agreement the tenant signed, beside the original (`/{id}/agreement`): its text, the signature and the " +
                             "SHA-256 of the signed canonical JSON (`offers[].signature.agreementSha256`). 404 until the terms are signed.")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> SignAsync(Guid id, Guid offerId, HttpRequest http,
        [FromHeader(Name = LeaseApi.IdempotencyKeyHeader)] string? idempotencyKey,
        DealResponse response, LeaseQueries leases, TimeProvider time, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<SignBody>(http, ct);
        if ((error ?? CheckSignature(body!)) is { } invalid) return invalid;
        await response.AcceptAsync(id, offerId, body!.SignerName, accepted: true, Key(idempotencyKey), ct);
        return await LeaseReadEndpoints.GetAsync(id, leases, time, ct);
    }

    // Its own handler: the route names the offer "offerId", which the extensions' handler (amendmentId) does not bind.
    private static async Task<IResult> AgreementAsync(Guid id, Guid offerId, LeaseQueries leases, CancellationToken ct) =>
        await leases.GetDocumentAsync(id, offerId, ct) is { } doc
            ? TypedResults.File(doc.Content, "application/pdf", doc.FileName)
            : throw new LeaseException("not_found", "No signed amended terms with that id on this lease.", 404);

    private static async Task<IResult> DeclineAsync(Guid id, Guid offerId, DealResponse response, LeaseQueries leases, TimeProvider time, CancellationToken ct)
    {
        await response.DeclineAsync(id, offerId, ct);
        return await LeaseReadEndpoints.GetAsync(id, leases, time, ct);
    }
}
