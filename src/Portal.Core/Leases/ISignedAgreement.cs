namespace Portal.Core.Leases;

/// <summary>The click-wrap signature a lease and an extension amendment both record, so one method writes it.</summary>
public interface ISignedAgreement
{
    string? SignKey { get; set; }
    string? SignerUserId { get; set; }
    string? SignerName { get; set; }
    DateTime? SignedAt { get; set; }
    string? SignerIp { get; set; }
    string? SignerUserAgent { get; set; }
    string? AgreementVersion { get; set; }
    string? AgreementSha256 { get; set; }
}
