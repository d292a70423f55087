using System.Security.Cryptography;
using Portal.Core.Audit;
using Portal.Core.Tenancy;

namespace Portal.Core.Leases;

/// <summary>A rendered, signed agreement and its SHA-256 (lower-case hex).</summary>
public sealed record SignedPdf(byte[] Content, string Sha256);

/// <summary>
/// What signing a lease and signing an extension share: the typed name's rules, the PDF with the signature on it,
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

    public SignedPdf Render(AgreementTerms terms, string signerName, string email, DateTime now)
    {
        var pdf = LeaseAgreementPdf.Render(terms, new AgreementSignature(signerName, email, now, origin.IpAddress, origin.UserAgent));
        return new SignedPdf(pdf, Convert.ToHexStringLower(SHA256.HashData(pdf)));
    }

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
