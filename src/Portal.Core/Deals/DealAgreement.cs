using Portal.Core.Catalog;
using Portal.Core.Leases;

namespace Portal.Core.Deals;

/// <summary>
/// The text of Support's amended terms: the lease agreement for the offered window, rate and cancellation terms, with a
/// "Negotiated terms" section naming the rate and Support's reason. Change any wording here and bump <see cref="Version"/>.
/// </summary>
public static class DealAgreement
{
    public const string Version = "2026-12-deal-v1";
    public const string Title = "Amended GPU Lease Agreement";

    /// <summary>The standard policy's words with the lease's (or offer's) own figures.</summary>
    public static string CancellationPolicy(int freeHours, int latePercent) =>
        Leases.CancellationPolicy.Describe(new LeaseOptions { FreeCancellationHours = freeHours, LateCancellationPercent = latePercent });

    /// <summary>The cancellation terms a lease runs on: its negotiated ones, else the standard ones.</summary>
    public static LeaseOptions CancellationTermsOf(Lease lease, LeaseOptions standard) =>
        lease.FreeCancellationHours is null && lease.LateCancellationPercent is null ? standard : new LeaseOptions
        {
            FreeCancellationHours = lease.FreeCancellationHours ?? standard.FreeCancellationHours,
            LateCancellationPercent = lease.LateCancellationPercent ?? standard.LateCancellationPercent,
        };

    /// <summary>The offer's price: the lease's GPUs over the offered hours at the negotiated rate, against the list rate.</summary>
    public static LeasePrice PriceOf(Lease lease, LeaseOffer offer) =>
        new(lease.Gpus, offer.Hours, lease.OnDemandMicrosPerGpuHour, DiscountBasisPoints(lease.OnDemandMicrosPerGpuHour, offer.MicrosPerGpuHour),
            offer.MicrosPerGpuHour);

    /// <summary>The negotiated rate as a discount off the list rate, rounded down to a basis point.</summary>
    public static int DiscountBasisPoints(long onDemand, long negotiated) =>
        onDemand <= 0 || negotiated >= onDemand ? 0 : (int)((onDemand - negotiated) * 10_000 / onDemand);

    public static AgreementTerms Terms(Lease lease, LeaseOffer offer, string tenantName, string region, string sku) =>
        new(tenantName, lease.Id, region, sku, lease.Gpus, offer.Start, offer.End, PriceOf(lease, offer),
            CancellationPolicy(offer.FreeCancellationHours, offer.LateCancellationPercent));

    /// <summary>What the tenant reads and signs: the lease agreement's sections for these terms, the negotiated terms, and this version.</summary>
    public static IReadOnlyList<AgreementSection> Sections(AgreementTerms terms, LeaseOffer offer)
    {
        var sections = LeaseAgreement.Sections(terms).ToList();
        sections.RemoveAt(sections.Count - 1); // the standard text's own version line
        sections.Add(new($"{sections.Count + 1}. Negotiated terms", [
            $"These terms replace the quote the Tenant signed on this lease. The Provider offered them on {LeaseAgreement.FormatTime(offer.ProposedAt)}: " +
            $"a negotiated rate of {Money.Format(offer.MicrosPerGpuHour)} per GPU-hour (list price {Money.Format(terms.Price.OnDemandMicrosPerGpuHour)}), " +
            $"{Money.Format(terms.Price.TotalMicros)} in total, which is what is billed.",
            $"Reason given by the Provider: {offer.Reason}"]));
        sections.Add(new($"{sections.Count + 1}. Agreement version", [
            $"Agreement text version {Version}. The Tenant accepts it by typing their full name and accepting electronically."]));
        return sections;
    }

    /// <summary>The signed terms of an offer, stored as canonical JSON beside the lease's original agreement.</summary>
    public static SignedTerms Signed(AgreementTerms terms, LeaseOffer offer, AgreementSignature signature) =>
        new(Title, Version, terms.LeaseId, offer.Id, Sections(terms, offer),
            signature with { SignedAtUtc = DateTime.SpecifyKind(signature.SignedAtUtc, DateTimeKind.Utc) });

    public static string FileName(Guid leaseId, Guid offerId) => $"lease-{leaseId:N}-amended-{offerId:N}{SignedTerms.JsonExtension}";
}
