using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Portal.Core.Tenancy;

/// <summary>An invitation link's secret: 32 random bytes, base64url in the link, kept only as its SHA-256.</summary>
public static class InvitationToken
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static string New() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>A fast hash is right: the token is random, not a password.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The path of the link in the e-mail, relative to the portal's base address.</summary>
    public static string PathFor(string token) => $"invitations/{token}";
}
