using System.Security.Cryptography;
using System.Text.Json;

namespace Portal.Core.Leases;

/// <summary>
/// What a tenant signs: the agreement's exact text (title, version, lease and amendment ids, every section's heading and
/// paragraphs, with the tenant, GPUs, region, window, price and cancellation policy in them) and the signature (typed
/// name, e-mail, time, IP address, user agent). Signing stores its canonical JSON (<see cref="ToJson"/>) and records the
/// SHA-256 of those bytes on the lease; the PDF is rendered from the stored JSON afterwards and prints that hash, so the
/// PDF's own bytes (fonts, layout) are not what is signed. The JSON is UTF-8, without whitespace, with the properties
/// in the order declared here and System.Text.Json's default escaping.
/// </summary>
public sealed record SignedTerms(string Document, string AgreementVersion, Guid LeaseId, Guid? AmendmentId,
    IReadOnlyList<AgreementSection> Sections, AgreementSignature Signature)
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>The text of the current agreement version for these terms, signed as given.</summary>
    public static SignedTerms Of(AgreementTerms terms, AgreementSignature signature) =>
        new(LeaseAgreement.Title(terms), LeaseAgreement.Version, terms.LeaseId, terms.AmendmentId, LeaseAgreement.Sections(terms),
            signature with { SignedAtUtc = DateTime.SpecifyKind(signature.SignedAtUtc, DateTimeKind.Utc) });

    /// <summary>The canonical JSON: the bytes that are stored and hashed.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Canonical);

    /// <summary>The signed terms back from their stored JSON.</summary>
    public static SignedTerms Parse(byte[] json) =>
        JsonSerializer.Deserialize<SignedTerms>(json, Canonical) ?? throw new InvalidDataException("Empty signed terms.");

    /// <summary>SHA-256 of the stored bytes, lower-case hex: what the lease records as its agreement's hash.</summary>
    public static string Sha256(byte[] json) => Convert.ToHexStringLower(SHA256.HashData(json));

    /// <summary>The file names of a lease's (or an amendment's) signed terms and of the PDF rendered from them.</summary>
    public static string FileName(Guid leaseId, Guid? amendmentId, string extension) =>
        (amendmentId is { } a ? $"lease-{leaseId:N}-extension-{a:N}" : $"lease-{leaseId:N}-agreement") + extension;

    public const string JsonExtension = ".json", PdfExtension = ".pdf";
}
