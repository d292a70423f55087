using System.Globalization;
using Portal.Core.Catalog;

namespace Portal.Core.Leases;

/// <summary>
/// What a lease agreement (or an extension amendment) is about. <see cref="AmendmentId"/> set means an
/// extension amendment of the lease from <see cref="PreviousEnd"/> to <see cref="End"/>; times are UTC.
/// </summary>
public sealed record AgreementTerms(string TenantName, Guid LeaseId, string RegionName, string SkuName, int Gpus,
    DateTime Start, DateTime End, LeasePrice Price, string CancellationPolicy,
    Guid? AmendmentId = null, DateTime? PreviousEnd = null)
{
    public bool IsAmendment => AmendmentId is not null;
    /// <summary>A lease asked for "now": its window starts when it becomes active and ends at the latest at this (its reservation's end).</summary>
    public DateTime? StartsOnActivationUntil { get; init; }
    /// <summary>A flexible request's acceptable GPU types (names, comma-separated) <see cref="SkuName"/> was chosen from; null otherwise.</summary>
    public string? ChosenFrom { get; init; }
}

/// <summary>Who accepted the agreement, when and from where (the evidence printed under it).</summary>
public sealed record AgreementSignature(string SignerName, string SignerEmail, DateTime SignedAtUtc, string? IpAddress, string? UserAgent);

public sealed record AgreementSection(string Heading, IReadOnlyList<string> Paragraphs);

/// <summary>
/// The click-wrap text a tenant accepts when signing a lease or an extension. The text is versioned:
/// change any wording here and bump <see cref="Version"/>, which is printed on the agreement and stored with it.
/// </summary>
public static class LeaseAgreement
{
    // v2: a "now" lease starts on activation; billed by the second. v3: a GPU type chosen from the tenant's acceptable set says so.
    public const string Version = "2026-12-v3";
    public const string Provider = "Portal GPU Cloud";

    public static string Title(AgreementTerms t) => t.IsAmendment ? "Lease Extension Amendment" : "GPU Lease Agreement";

    /// <summary>"2026-12-01 09:00 UTC".</summary>
    public static string FormatTime(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Basis points as a percentage: 1500 → "15%", 1250 → "12.5%".</summary>
    public static string FormatPercent(int basisPoints) =>
        (basisPoints / 100m).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static IReadOnlyList<AgreementSection> Sections(AgreementTerms t)
    {
        var p = t.Price;
        var windowStart = t.IsAmendment ? t.PreviousEnd ?? t.Start : t.Start;
        var gpus = $"{t.Gpus} x {t.SkuName} GPU{(t.Gpus == 1 ? "" : "s")}";
        var window = t.StartsOnActivationUntil is { } latest && !t.IsAmendment
            ? $"for {Counted.Hours(p.Hours)} from the whole minute after the GPUs become active (normally within minutes of signing), " +
              $"and in any case no later than {FormatTime(latest)}"
            : $"from {FormatTime(windowStart)} (inclusive) to {FormatTime(t.End)} (exclusive), {Counted.Hours(p.Hours)}";
        var sections = new List<AgreementSection>
        {
            new("1. Parties", [
                $"This {Title(t)} is made between {Provider} (the \"Provider\") and {t.TenantName} (the \"Tenant\").",
                t.IsAmendment
                    ? $"It amends the lease {t.LeaseId} (the \"Lease\"); amendment reference {t.AmendmentId}."
                    : $"Lease reference: {t.LeaseId}."]),
        };

        if (t.IsAmendment)
            sections.Add(new("2. Extension", [
                $"The Lease of {gpus} in {t.RegionName}, which started at {FormatTime(t.Start)}, is extended. " +
                $"Its end moves from {FormatTime(windowStart)} to {FormatTime(t.End)}.",
                $"Extension window: {window}, on the same nodes where available.",
                "All other terms of the Lease, including its payment, cancellation, service, acceptable use and liability terms, " +
                "remain in full force and apply to the extension window."]));
        else
            sections.Add(new("2. Capacity", [
                $"The Provider reserves {gpus} in the {t.RegionName} region for the Tenant's exclusive use " +
                $"{window}. All times in this agreement are in Coordinated Universal Time (UTC).",
                .. t.ChosenFrom is { } set
                    ? [$"The Tenant asked for any of these GPU types: {set}. The Provider chose {t.SkuName} by the rule stated when quoting: " +
                       $"{SkuChoice.Rule}. This agreement is for {t.SkuName} only."]
                    : Array.Empty<string>()]));

        sections.Add(new("3. Price", [
            $"GPU-hours: {Counted.Gpus(t.Gpus)} x {Counted.Hours(p.Hours)} = {Counted.GpuHours(p.GpuHours)}.",
            $"List price: {Counted.GpuHours(p.GpuHours)} at {Money.Format(p.OnDemandMicrosPerGpuHour)} per GPU-hour = {Money.Format(p.ListMicros)}.",
            p.DiscountBasisPoints > 0 || p.DiscountMicros > 0
                ? $"Term discount: {FormatPercent(p.DiscountBasisPoints)} for a {p.Hours:N0}-hour term, " +
                  $"{Money.Format(p.MicrosPerGpuHour)} per GPU-hour, a saving of {Money.Format(p.DiscountMicros)}."
                : "Term discount: none for this term length.",
            $"Total{(t.IsAmendment ? " for the extension" : "")}: {Money.Format(p.TotalMicros)} (USD, excluding applicable taxes)."]));

        if (!t.IsAmendment)
        {
            sections.Add(new("4. Payment", [
                "Fees are billed monthly in arrears: at the end of each calendar month the Provider invoices the GPU time of the " +
                "lease window that fell in that month, by the second while the GPUs are active, at the rate above. " +
                "Invoices are payable within 30 days of their date."]));
            sections.Add(new("5. Cancellation", [t.CancellationPolicy]));
            sections.Add(new("6. Service", [
                "The reserved capacity is provisioned and available to the Tenant from the start of the lease window.",
                "If a node carrying the Tenant's allocation fails, the Provider moves the allocation to a free node of the same " +
                "SKU in the same region, or, where no such node is free, credits the lost GPU-hours at the lease rate " +
                "on the next invoice. This is the Tenant's sole remedy for unavailable capacity."]));
            sections.Add(new("7. Acceptable use", [
                "The Tenant will not use the capacity for unlawful purposes, to attack or probe other systems or networks, " +
                "to mine cryptocurrency, or to infringe the rights of others, and is responsible for its users, workloads and data. " +
                "The Provider may suspend capacity used in breach of this clause after notice where practicable."]));
            sections.Add(new("8. Liability", [
                "Each party's total liability under this agreement is limited to the fees paid by the Tenant under this lease. " +
                "Neither party is liable for indirect or consequential loss, including loss of profits or data, " +
                "except where such a limit is not permitted by law."]));
            sections.Add(new("9. Governing terms", [
                $"This agreement is subject to the {Provider} Terms of Service in force when it is signed. " +
                "Where they conflict, this agreement prevails for this lease. It is accepted electronically, " +
                "and the electronic record of acceptance is evidence of the Tenant's agreement."]));
        }
        else
        {
            sections.Add(new("4. Payment and cancellation", [
                "The extension is billed monthly in arrears with the Lease, and the Lease's cancellation policy applies to it:",
                t.CancellationPolicy]));
        }

        sections.Add(new($"{sections.Count + 1}. Agreement version", [
            $"Agreement text version {Version}. The Tenant accepts it by typing their full name and accepting electronically."]));
        return sections;
    }
}
