namespace Portal.Core.Admin;

/// <summary>
/// Text typed into a search box as a LIKE pattern that matches it literally: '%' and '_' in "50%" or "a_b"
/// are not wildcards. Use with <c>EF.Functions.Like(column, LikePattern.Containing(text), LikePattern.Escape)</c>;
/// the explicit escape character works alike on SQLite (which has none by default) and PostgreSQL.
/// </summary>
public static class LikePattern
{
    public const string Escape = "\\";

    /// <summary>Matches any value containing <paramref name="text"/> as typed.</summary>
    public static string Containing(string text) => "%" + Literal(text) + "%";

    /// <summary><paramref name="text"/> with the escape character and both wildcards escaped.</summary>
    public static string Literal(string text) =>
        text.Replace(Escape, Escape + Escape, StringComparison.Ordinal)
            .Replace("%", Escape + "%", StringComparison.Ordinal)
            .Replace("_", Escape + "_", StringComparison.Ordinal);
}
