using System.Text.Json.Serialization;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

// What the lease API reads and writes. Times are UTC ISO 8601 with "Z". Money goes out twice, like the catalog
// API: exact integer micro-dollars (`...Micros`, 1 USD = 1,000,000) for programs that add it up, and decimal
// dollars (`...Usd`) for people; requests never carry money.

/// <summary>
/// A lease request: <c>start</c> is a whole UTC hour (ISO 8601) or "now" (the current hour). Either <c>sku</c> (one GPU type), or
/// <c>skus</c> and/or <c>minGpuMemoryGb</c> (any of several in the region: <see cref="FlexibleLeaseRequest"/>).
/// </summary>
public sealed record LeaseRequestBody(string? Region, string? Sku, int? Gpus, string? Start, int? Hours,
    IReadOnlyList<string?>? Skus = null, int? MinGpuMemoryGb = null)
{
    /// <summary>Names a set of acceptable SKUs instead of one.</summary>
    [JsonIgnore] public bool IsFlexible => Skus is not null || MinGpuMemoryGb is not null;
}

/// <summary>A click-wrap signature: the signer's full name and <c>accept: true</c>.</summary>
public sealed record SignBody(string? SignerName, bool? Accept);

public sealed record ExtendBody(int? Hours);

/// <summary>
/// The exact price: <c>gpuHours</c> × the on-demand rate is the list price; the term discount
/// (<c>discountPercent</c>) gives the per-GPU-hour rate; <c>total</c> = gpuHours × that rate.
/// </summary>
public sealed record PriceJson(int Gpus, int Hours, long GpuHours, long OnDemandMicrosPerGpuHour, decimal OnDemandUsdPerGpuHour,
    decimal DiscountPercent, long ListMicros, decimal ListUsd, long DiscountMicros, decimal DiscountUsd,
    long MicrosPerGpuHour, decimal UsdPerGpuHour, long TotalMicros, decimal TotalUsd)
{
    public static PriceJson From(LeasePrice p) => new(p.Gpus, p.Hours, p.GpuHours, p.OnDemandMicrosPerGpuHour, Usd(p.OnDemandMicrosPerGpuHour),
        p.DiscountBasisPoints / 100m, p.ListMicros, Usd(p.ListMicros), p.DiscountMicros, Usd(p.DiscountMicros),
        p.MicrosPerGpuHour, Usd(p.MicrosPerGpuHour), p.TotalMicros, Usd(p.TotalMicros));

    public static decimal Usd(long micros) => micros / (decimal)Money.MicrosPerDollar;
}

public sealed record WindowJson(DateTime Start, DateTime End)
{
    public static WindowJson From(HourWindow w) => new(Utc(w.Start), Utc(w.End));
    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc); // planner output, not read from the database
}

public sealed record SignatureJson(string? SignerName, DateTime SignedAt, string? AgreementVersion, string? AgreementSha256);

/// <summary>Support's decision on a lease that needed approval, or a termination: the reason is for the tenant.</summary>
public sealed record DecisionJson(DateTime DecidedAt, string? Reason);

public sealed record LeaseLinksJson(string Self, string Page, string? Agreement);

/// <summary>A lease in a list.</summary>
public class LeaseSummaryJson(Lease l, DateTime now)
{
    public Guid Id { get; } = l.Id;
    /// <summary>A quote past its hold reads Expired even before the sweep releases it.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<LeaseState>))]
    public LeaseState State { get; } = LeaseShownState.Of(l.State, l.HoldExpiresAt, now);
    public bool Degraded { get; } = l.Degraded;
    public string Region { get; } = l.RegionId;
    public string Sku { get; } = l.SkuId;
    /// <summary>A flexible request's acceptable SKUs that <c>sku</c> was chosen from; null for a request of one SKU.</summary>
    public IReadOnlyList<string>? ChosenFrom { get; } = l.ChosenFromSkuIds?.Split(',');
    public int Gpus { get; } = l.Gpus;
    public DateTime Start { get; } = l.Start;
    public DateTime End { get; } = l.End;
    public int Hours { get; } = l.Hours;
    /// <summary>Until when a quote holds its capacity; null once signed.</summary>
    public DateTime? HoldExpiresAt { get; } = l.HoldExpiresAt;
    /// <summary>Over the approval threshold: Support approves it after it is signed.</summary>
    public bool NeedsApproval { get; } = l.NeedsApproval;
    public PriceJson Price { get; } = PriceJson.From(LeasePrice.Of(l));
    public SignatureJson? Signature { get; } = l.SignedAt is { } at
        ? new SignatureJson(l.SignerName, at, l.AgreementVersion, l.AgreementSha256) : null;
    public DecisionJson? Decision { get; } = l.DecidedAt is { } decided ? new DecisionJson(decided, l.DecisionReason) : null;
    /// <summary>A lease waiting for Support: under review until <c>dueAt</c>, or amended terms awaiting the tenant's signature until then.</summary>
    public DealReviewJson? Review { get; } = DealReviewJson.Of(l);
    public DateTime CreatedAt { get; } = l.CreatedAt;
    public DateTime? ActivatedAt { get; } = l.ActivatedAt;
    public DateTime? EndedAt { get; } = l.EndedAt;
    public DateTime? CancelledAt { get; } = l.CancelledAt;
    public DateTime? ReleasedAt { get; } = l.ReleasedAt;
    /// <summary>What the cancellation policy charges for a cancellation or an early release.</summary>
    public long CancellationFeeMicros { get; } = l.CancellationFeeMicros;
    public decimal CancellationFeeUsd { get; } = PriceJson.Usd(l.CancellationFeeMicros);
    /// <summary>Credited for GPU-hours lost to failed nodes.</summary>
    public long CreditMicros { get; } = l.CreditMicros;
    public decimal CreditUsd { get; } = PriceJson.Usd(l.CreditMicros);
    public string? FailureReason { get; } = l.FailureReason;
    public LeaseLinksJson Links { get; } = new($"{LeaseApi.Base}/{l.Id}", LeaseLinks.Lease(l.Id),
        l.IsSigned ? $"{LeaseApi.Base}/{l.Id}/agreement" : null);
}

/// <summary>One lease with where it runs (allocations by node), its extensions and its timeline.</summary>
public sealed class LeaseJson(Lease l, DateTime now) : LeaseSummaryJson(l, now)
{
    // After the summary's properties (System.Text.Json writes a derived type's own properties first otherwise).
    [JsonPropertyOrder(1)]
    public IReadOnlyList<AllocationJson> Allocations { get; } =
        [.. l.Allocations.Select(a => new AllocationJson(a.Id, a.NodeId, a.Gpus, a.Start, a.End,
            a.Status, a.ReservedAt, a.AmendmentId))];
    [JsonPropertyOrder(1)]
    public IReadOnlyList<AmendmentJson> Amendments { get; } = [.. l.Amendments.Select(a => LeaseJsonMapping.Amendment(l, a))];
    /// <summary>Support's amended terms, oldest first (the one to answer is <c>Proposed</c>).</summary>
    [JsonPropertyOrder(1)]
    public IReadOnlyList<LeaseOfferJson> Offers { get; } = [.. l.Offers.Select(o => LeaseOfferJson.From(l, o))];
    [JsonPropertyOrder(1)]
    public IReadOnlyList<LeaseEventJson> Events { get; } =
        [.. l.Events.Select(e => new LeaseEventJson(e.At, e.State, e.Message, e.Actor))];
    /// <summary>Only in the answer to a flexible quote that held: why <c>sku</c> was chosen (also on the timeline).</summary>
    [JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SkuChoiceJson? Choice { get; init; }
}

public sealed record AllocationJson(Guid Id, string NodeId, int Gpus, DateTime Start, DateTime End,
    [property: JsonConverter(typeof(JsonStringEnumConverter<AllocationStatus>))] AllocationStatus Status,
    DateTime? ReservedAt, Guid? AmendmentId);

public sealed record AmendmentJson(Guid Id, Guid LeaseId,
    [property: JsonConverter(typeof(JsonStringEnumConverter<AmendmentState>))] AmendmentState State,
    DateTime OldEnd, DateTime NewEnd, int Hours, DateTime? HoldExpiresAt, PriceJson Price, SignatureJson? Signature, string? Agreement);

public sealed record LeaseEventJson(DateTime At, [property: JsonConverter(typeof(JsonStringEnumConverter<LeaseState>))] LeaseState State,
    string Message, string? Actor);

/// <summary>A page of leases, newest first: pass <c>nextAfter</c> as <c>after</c> for the next page.</summary>
public sealed record LeaseListJson(IReadOnlyList<LeaseSummaryJson> Items, bool HasMore, Guid? NextAfter);

/// <summary>A dry run of a quote: nothing is held.</summary>
public sealed record LeaseCheckJson(bool Fits, string? Reason, PriceJson? Price, IReadOnlyList<WindowJson> EarlierWindows,
    IReadOnlyList<WindowJson> LaterWindows, IReadOnlyList<LeaseAlternativeJson> Alternatives)
{
    /// <summary>For a flexible request: the SKU chosen (or none), why, and every acceptable SKU as the rule ranked it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SkuChoiceJson? Choice { get; init; }
}

public sealed record LeaseAlternativeJson(string Region, string Sku, string SkuName, PriceJson Price);

public sealed record ExtendableUntilJson(Guid LeaseId, DateTime End, DateTime? ExtendableUntil, int MaxExtensionHours);

internal static class LeaseJsonMapping
{
    public static AmendmentJson Amendment(Lease l, LeaseAmendment a) => new(a.Id, a.LeaseId, a.State, a.OldEnd, a.NewEnd, a.Hours,
        a.State == AmendmentState.Held ? a.HoldExpiresAt : null,
        PriceJson.From(new LeasePrice(l.Gpus, a.Hours, a.OnDemandMicrosPerGpuHour, a.DiscountBasisPoints, a.MicrosPerGpuHour)),
        a.SignedAt is { } at ? new SignatureJson(a.SignerName, at, a.AgreementVersion, a.AgreementSha256) : null,
        a.SignedAt is null ? null : $"{LeaseApi.Base}/{l.Id}/amendments/{a.Id}/agreement");

}
