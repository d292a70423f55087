using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.ApiKeys;

/// <summary>
/// The shape of a key's secret: <c>sk-portal-</c> + 40 random letters and digits (about 238 bits), kept only as its
/// SHA-256; the first <see cref="PrefixLength"/> characters are kept in clear to recognise it.
/// </summary>
public static class ApiKeySecret
{
    public const string Marker = "sk-portal-";
    public const int RandomLength = 40;
    public const int PrefixLength = 14;

    public static string New() =>
        Marker + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", RandomLength);

    /// <summary>Lower-case hex SHA-256 of the whole secret. A fast hash is right here: the secret is random, not a password.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string PrefixOf(string secret) => secret[..PrefixLength];

    /// <summary>Could be one of ours: the marker and the right length (anything else is refused without a query).</summary>
    public static bool LooksValid(string? secret) =>
        secret is { Length: var n } && n == Marker.Length + RandomLength && secret.StartsWith(Marker, StringComparison.Ordinal);
}
