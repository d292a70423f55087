using System.Buffers;
using System.Globalization;
using System.Text;
using Portal.Core.Documents;

namespace Portal.Core.Tenancy;

/// <summary>
/// What a name people read may contain: organisation names and the full name typed to sign a lease. Any script
/// and emoji are welcome; refused are characters that hide or disguise what a reader sees: control characters,
/// direction overrides and isolates (U+202E made "evil" read "live" on Support's list), invisible formatting such
/// as zero-width spaces, names with nothing visible at all, and characters the PDFs cannot print. Callers trim
/// and check the length first.
/// </summary>
public static class NameRules
{
    /// <summary>Null when <paramref name="name"/> (already trimmed) is acceptable; otherwise the message to show.</summary>
    public static string? Problem(string name)
    {
        if (RunesOrNull(name) is not { } runes) return "The name contains a broken character. Type it again.";
        var visible = false;
        foreach (var rune in runes)
        {
            if (IsDirectionControl(rune.Value))
                return "Remove the text-direction characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F): " +
                    "they make a name read differently from what it is.";
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                return "Remove the control characters (such as tabs or line breaks) from the name.";
            if (category == UnicodeCategory.Format && !IsAllowedFormat(rune.Value))
                return "Remove the invisible characters (such as zero-width spaces) from the name.";
            if (category is UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
                return "Remove the characters that have no agreed meaning (private-use or unassigned code points) from the name.";
            visible |= IsVisible(rune, category);
        }
        if (!visible) return "Enter a name with letters, digits or symbols you can see, not only spaces or invisible characters.";
        // Names are printed on lease agreements and invoices: refuse what the embedded fonts would print as empty boxes.
        return PdfFonts.Unprintable(name) is { Count: > 0 } missing
            ? $"Agreements and invoices cannot print {string.Join(" ", missing.Take(5))} yet. " +
              "Write the name with other characters (Latin, Greek, Cyrillic, Chinese, Japanese, Korean and emoji all work)."
            : null;
    }

    /// <summary>The runes of <paramref name="text"/>, or null when it holds a broken character.</summary>
    private static List<Rune>? RunesOrNull(string text)
    {
        var runes = new List<Rune>(text.Length);
        for (var i = 0; i < text.Length;)
        {
            // A lone surrogate, or U+FFFD where something upstream already met one.
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != OperationStatus.Done || rune == Rune.ReplacementChar) return null;
            runes.Add(rune);
            i += used;
        }
        return runes;
    }

    private static bool IsDirectionControl(int c) => c is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x200E or 0x200F or 0x061C;

    /// <summary>Joiners shape emoji sequences and Indic and Persian words; tag characters build subdivision flags.</summary>
    private static bool IsAllowedFormat(int c) => c is 0x200C or 0x200D or (>= 0xE0020 and <= 0xE007F);

    private static bool IsVisible(Rune rune, UnicodeCategory category) =>
        !Rune.IsWhiteSpace(rune)
        && category is not (UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark)
        // Letters and symbols that draw as blank space (Hangul fillers, the blank braille pattern, Mongolian vowel separator).
        && rune.Value is not (0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or 0x180E);
}
