using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;

namespace Portal.Core.Documents;

/// <summary>
/// The fonts embedded in this assembly (Documents/Fonts) for the agreement and invoice PDFs, so no host fonts are
/// needed: DejaVu Sans for most scripts, Droid Sans Fallback for Chinese, Japanese and Korean, Symbola for emoji.
/// PDFsharp has no font fallback of its own; <see cref="PdfText"/> picks a family per character.
/// </summary>
public static class PdfFonts
{
    /// <summary>The family name our font resolver answers to first; any other family is left to other resolvers.</summary>
    public const string Primary = "Portal Agreement Sans";

    /// <summary>In fallback order: family, regular face, bold face (null: PDFsharp simulates bold).</summary>
    static readonly (string Family, string Regular, string? Bold)[] Families =
    [
        (Primary, "DejaVuSans", "DejaVuSans-Bold"),
        ("Portal Fallback CJK", "DroidSansFallback", null),
        ("Portal Fallback Emoji", "SymbolaEmoji", null),
    ];

    /// <summary>The primary family at <paramref name="size"/> points. XFont instances are not shared between threads: one set per document.</summary>
    internal static XFont Font(double size, bool bold) => new(Primary, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);

    internal static string FamilyName(int family) => Families[family].Family;

    /// <summary>The first family (0 is <see cref="Primary"/>) with a glyph for <paramref name="rune"/> in this weight, or -1.</summary>
    internal static int FamilyFor(Rune rune, bool bold)
    {
        for (var i = 0; i < Families.Length; i++)
            if (Coverage(i, bold).Has(rune.Value)) return i;
        return -1;
    }

    internal static bool Covers(int family, bool bold, Rune rune) => Coverage(family, bold).Has(rune.Value);

    /// <summary>Invisible characters that need no glyph: joiners, direction marks, variation selectors, tags.</summary>
    internal static bool IsIgnorable(Rune rune) =>
        Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || rune.Value is (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF);

    /// <summary>The characters of <paramref name="text"/> no embedded font can draw: they would print as empty boxes.</summary>
    public static List<string> Unprintable(string text) =>
        [.. text.EnumerateRunes().Where(r => !IsIgnorable(r) && !Rune.IsWhiteSpace(r) && FamilyFor(r, false) < 0).Select(r => r.ToString()).Distinct()];

    static readonly ConcurrentDictionary<string, FontCoverage> Coverages = new();

    static FontCoverage Coverage(int family, bool bold) =>
        Coverages.GetOrAdd(Face(family, bold), face => FontCoverage.Read(FontBytes(face) ?? throw new InvalidOperationException($"No embedded font {face}.")));

    static string Face(int family, bool bold) => bold && Families[family].Bold is { } face ? face : Families[family].Regular;

    static byte[]? FontBytes(string faceName)
    {
        using var stream = typeof(PdfFonts).Assembly.GetManifestResourceStream($"Portal.Core.Documents.Fonts.{faceName}.ttf");
        if (stream is null) return null;
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }

    static readonly Lock Gate = new();
    static readonly EmbeddedFontResolver Resolver = new();

    /// <summary>Registers the embedded fonts once per process (PDFsharp's font settings are global and set once);
    /// if another component already set <see cref="GlobalFontSettings.FontResolver"/>, ours becomes the fallback.</summary>
    public static void EnsureFontResolver()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver == Resolver || GlobalFontSettings.FallbackFontResolver == Resolver) return;
            if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = Resolver;
            else if (GlobalFontSettings.FallbackFontResolver is null) GlobalFontSettings.FallbackFontResolver = Resolver;
            else throw new InvalidOperationException("PDFsharp already has a font resolver and a fallback resolver: " +
                $"chain {nameof(PdfFonts)}' resolver for '{Primary}' into them.");
        }
    }

    sealed class EmbeddedFontResolver : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
        {
            var family = Array.FindIndex(Families, f => string.Equals(f.Family, familyName, StringComparison.OrdinalIgnoreCase));
            return family < 0 ? null : new FontResolverInfo(Face(family, bold), bold && Families[family].Bold is null, italic);
        }

        public byte[]? GetFont(string faceName) => FontBytes(faceName);
    }
}
