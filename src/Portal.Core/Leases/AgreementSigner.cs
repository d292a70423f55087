using Portal.Core.Audit;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>The signed terms as stored (canonical JSON, see <see cref="SignedTerms"/>) and their SHA-256 (lower-case hex).</summary>
public sealed record SignedRecord(byte[] Json, string Sha256);

/// <summary>
/// What signing a lease and signing an extension share: the typed name's rules, the signed terms and their hash,
/// and the record of who signed, when, from where and which agreement version.
/// </summary>
public sealed class AgreementSigner(AuditOrigin origin, LeaseActor actor)
{
    /// <summary>The trimmed signer's name, or a refusal; <paramref name="document"/> is "agreement" or "amendment".</summary>
    public static string CheckSignature(string? signerName, bool accepted, string document)
    {
        signerName = signerName?.Trim();
        if (string.IsNullOrEmpty(signerName) || signerName.Length < 2 || signerName.Length > 200)
            throw LeaseException.Invalid("Type your full name to sign (2 to 200 characters).");
        if (NameRules.Problem(signerName) is { } problem) throw LeaseException.Invalid(problem);
        if (!accepted) throw LeaseException.Invalid($"Accept the {document} to sign it.");
        return signerName;
    }

    /// <summary>
    /// The agreement's text and the signature as canonical JSON, and its hash: cheap enough to do while signing. The PDF
    /// is rendered from these bytes after commit (<see cref="AgreementPdfJob"/>).
    /// </summary>
    public SignedRecord Sign(AgreementTerms terms, string signerName, string email, DateTime now)
    {
        var json = SignedTerms.Of(terms, new AgreementSignature(signerName, email, now, origin.IpAddress, origin.UserAgent)).ToJson();
        return new SignedRecord(json, SignedTerms.Sha256(json));
    }

    /// <summary>The stored signed terms of a lease (or of an amendment), from which its PDF is rendered.</summary>
    public static LeaseDocument Document(Guid tenantId, Guid leaseId, Guid? amendmentId, SignedRecord record, DateTime now) => new()
    {
        TenantId = tenantId, LeaseId = leaseId, AmendmentId = amendmentId,
        FileName = SignedTerms.FileName(leaseId, amendmentId, SignedTerms.JsonExtension), Sha256 = record.Sha256, Content = record.Json, CreatedAt = now,
    };

    /// <summary>Records the signature on the lease or amendment; <paramref name="signKey"/> makes a retry of this sign find it.</summary>
    public void Stamp(ISignedAgreement signed, string signerName, string sha256, string? signKey, DateTime now)
    {
        signed.SignerUserId = actor.UserId;
        signed.SignerName = signerName;
        signed.SignedAt = now;
        signed.SignerIp = origin.IpAddress;
        signed.SignerUserAgent = origin.UserAgent is { Length: > 512 } ua ? ua[..512] : origin.UserAgent;
        signed.AgreementVersion = LeaseAgreement.Version;
        signed.AgreementSha256 = sha256;
        signed.SignKey = signKey;
    }
}
