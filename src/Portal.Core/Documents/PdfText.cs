using System.Text;
using PdfSharp.Drawing;

namespace Portal.Core.Documents;

/// <summary>
/// Draws and measures text with per-character font fallback (<see cref="PdfFonts"/>), so "世界" and "🚀" in a
/// name print with glyphs instead of empty boxes. Text the primary font fully covers is drawn exactly as before
/// (one DrawString), so agreements without such characters keep their bytes. One instance per document:
/// XFont instances are not shared between threads.
/// </summary>
internal sealed class PdfText
{
    readonly Dictionary<(int Family, double Size, XFontStyleEx Style), XFont> fonts = [];

    /// <summary>Draws <paramref name="text"/> with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public void Draw(XGraphics g, string text, XFont font, XBrush brush, double x, double y)
    {
        if (Runs(text, font) is not { } runs)
        {
            g.DrawString(text, font, brush, x, y, XStringFormats.TopLeft);
            return;
        }
        // Every run sits on the primary font's baseline, where PDFsharp puts it for TopLeft (ascent share of the line height).
        var baseline = y + font.GetHeight() * font.CellAscent / font.CellSpace;
        foreach (var (runFont, run) in runs)
        {
            g.DrawString(run, runFont, brush, x, baseline, XStringFormats.BaseLineLeft);
            x += g.MeasureString(run, runFont).Width;
        }
    }

    public double Width(XGraphics g, string text, XFont font) =>
        Runs(text, font) is { } runs ? runs.Sum(r => g.MeasureString(r.Text, r.Font).Width) : g.MeasureString(text, font).Width;

    /// <summary>Consecutive characters that share a font; null when the primary font has a glyph for every one.</summary>
    List<(XFont Font, string Text)>? Runs(string text, XFont primary)
    {
        var bold = primary.Bold;
        if (text.EnumerateRunes().All(r => PdfFonts.Covers(0, bold, r))) return null;
        var runs = new List<(int Family, StringBuilder Text)>();
        foreach (var rune in text.EnumerateRunes())
        {
            var current = runs.Count > 0 ? runs[^1].Family : 0;
            int family;
            if (PdfFonts.IsIgnorable(rune) || Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                // Joiners, selectors and combining marks belong with the character before them; dropped if that font lacks them.
                if (PdfFonts.Covers(current, bold, rune)) family = current;
                else if (PdfFonts.IsIgnorable(rune)) continue;
                else family = Math.Max(0, PdfFonts.FamilyFor(rune, bold));
            }
            else family = Math.Max(0, PdfFonts.FamilyFor(rune, bold)); // none has it: the primary's .notdef, as before
            if (runs.Count == 0 || runs[^1].Family != family) runs.Add((family, new StringBuilder()));
            runs[^1].Text.Append(rune.ToString());
        }
        return [.. runs.Select(r => (FontFor(primary, r.Family), r.Text.ToString()))];
    }

    XFont FontFor(XFont primary, int family)
    {
        if (family == 0) return primary;
        var key = (family, primary.Size, primary.Style);
        if (!fonts.TryGetValue(key, out var font)) fonts[key] = font = new XFont(PdfFonts.FamilyName(family), primary.Size, primary.Style);
        return font;
    }
}
