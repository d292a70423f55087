using Microsoft.AspNetCore.Components;

namespace Portal.Web.Components.Account;

/// <summary>
/// Where a ReturnUrl may send the browser: only somewhere on this portal. The template's check let
/// <c>/\evil.example</c> through (browsers read the backslash as a slash: off-site) and threw on
/// <c>https://evil.example/</c> (a 500 after signing in); anything not plainly local now goes to the home page.
/// </summary>
internal static class LocalRedirect
{
    /// <summary>A path relative to the portal's base for <paramref name="uri"/>, or "" (the home page) when it leads elsewhere.</summary>
    public static string BaseRelative(NavigationManager navigation, string? uri)
    {
        if (string.IsNullOrEmpty(uri)) return "";
        // Browsers drop tabs and newlines and turn backslashes into slashes, so "/\t/x" and "/\x" both mean "//x".
        if (uri.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\')) return "";
        if (uri.StartsWith("//", StringComparison.Ordinal)) return "";
        // The portal's own absolute addresses (RedirectTo with query parameters builds them) stay; others go home.
        if (!uri.StartsWith('/') && Uri.TryCreate(uri, UriKind.Absolute, out var absolute)) return OnPortal(navigation, absolute);
        if (!Uri.IsWellFormedUriString(uri, UriKind.Relative)) return "";
        // "Account/Lockout" is relative to the base already; "/leases" is made so.
        return uri.StartsWith('/') ? OnPortal(navigation, navigation.ToAbsoluteUri(uri)) : uri;
    }

    private static string OnPortal(NavigationManager navigation, Uri absolute)
    {
        var baseUri = new Uri(navigation.BaseUri);
        return absolute.Scheme == baseUri.Scheme && absolute.Authority == baseUri.Authority
            && absolute.AbsolutePath.StartsWith(baseUri.AbsolutePath, StringComparison.Ordinal)
            ? navigation.ToBaseRelativePath(absolute.AbsoluteUri)
            : "";
    }
}
