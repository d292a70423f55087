using System.Text.Json.Serialization;
using Portal.Core.Deals;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>Where a lease over the approval threshold stands with Support, and by when.</summary>
public sealed record DealReviewJson([property: JsonConverter(typeof(JsonStringEnumConverter<ReviewState>))] ReviewState State, DateTime? DueAt)
{
    public static DealReviewJson? Of(Lease l) => DealReview.Of(l) is { } r ? new DealReviewJson(r.State, r.DueAt) : null;
}

/// <summary>Support's amended terms for a lease: the negotiated rate and its reason, the window, the cancellation terms, the answer.</summary>
public sealed record LeaseOfferJson(Guid Id, [property: JsonConverter(typeof(JsonStringEnumConverter<OfferState>))] OfferState State,
    DateTime Start, DateTime End, PriceJson Price, string Reason, int FreeCancellationHours, int LateCancellationPercent, string CancellationPolicy,
    DateTime ProposedAt, DateTime RespondBy, DateTime? AnsweredAt, SignatureJson? Signature, string? Agreement, string? Sign, string? Decline)
{
    public static LeaseOfferJson From(Lease l, LeaseOffer o)
    {
        var self = $"{LeaseApi.Base}/{l.Id}/offers/{o.Id}";
        var open = o.State == OfferState.Proposed && l.State == LeaseState.PendingApproval;
        return new(o.Id, o.State, o.Start, o.End, PriceJson.From(DealAgreement.PriceOf(l, o)), o.Reason, o.FreeCancellationHours, o.LateCancellationPercent,
            DealAgreement.CancellationPolicy(o.FreeCancellationHours, o.LateCancellationPercent), o.ProposedAt, o.RespondBy, o.AnsweredAt,
            o.SignedAt is { } at ? new SignatureJson(o.SignerName, at, o.AgreementVersion, o.AgreementSha256) : null,
            o.SignedAt is null ? null : $"{self}/agreement", open ? $"{self}/sign" : null, open ? $"{self}/decline" : null);
    }
}
