using System.Globalization;

namespace Portal.Web.Components;

/// <summary>
/// Typed values read from the address. Blazor's [SupplyParameterFromQuery] throws when a value does not parse
/// as an int or Guid (<c>?page=abc</c> became a 500, or a dead circuit), so pages take the raw text and read it
/// here: a value that does not parse is treated as absent.
/// </summary>
public static class QueryValue
{
    /// <summary>Far beyond any real list; keeps (page - 1) * pageSize from overflowing.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>A whole number written in plain digits, or null.</summary>
    public static int? Int(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The 1-based page number; anything else (absent, "abc", 0, -3, huge) is page 1.</summary>
    public static int Page(string? text) => Int(text) is { } page and >= 1 and <= MaxPage ? page : 1;

    /// <summary>An id such as a tenant's, or null when the text is not one (the filter is then ignored).</summary>
    public static Guid? Id(string? text) => Guid.TryParse(text, out var id) ? id : null;
}
