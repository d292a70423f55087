using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Portal.Tests.Input;

/// <summary>
/// What a PDF can print: for each embedded font (by name, subset tag dropped), the characters its ToUnicode map
/// gives a real glyph. A character drawn as .notdef (glyph 0, the empty box) does not count.
/// </summary>
internal static partial class PdfGlyphs
{
    public static Dictionary<string, HashSet<string>> ByFont(byte[] pdf)
    {
        var raw = Encoding.Latin1.GetString(pdf);
        var objects = ObjectPattern().Matches(raw).ToDictionary(m => int.Parse(m.Groups["n"].Value), m => m.Groups["body"].Value);
        var result = new Dictionary<string, HashSet<string>>();
        foreach (var body in objects.Values)
        {
            if (!body.Contains("/Type/Font") || BaseFont().Match(body) is not { Success: true } name
                || ToUnicode().Match(body) is not { Success: true } map) continue;
            var font = Regex.Replace(name.Groups[1].Value, "^[A-Z]{6}\\+", "");
            var chars = result.TryGetValue(font, out var set) ? set : result[font] = [];
            var cmap = Encoding.Latin1.GetString(Stream(objects[int.Parse(map.Groups[1].Value)]));
            foreach (Match m in Section("bfchar").Matches(cmap).SelectMany(b => BfChar().Matches(b.Groups[1].Value)))
                if (Convert.ToInt32(m.Groups["glyph"].Value, 16) != 0)
                    chars.Add(Text(m.Groups["text"].Value));
            foreach (Match m in Section("bfrange").Matches(cmap).SelectMany(b => BfRange().Matches(b.Groups[1].Value)))
                for (int g = Convert.ToInt32(m.Groups["lo"].Value, 16), hi = Convert.ToInt32(m.Groups["hi"].Value, 16),
                     c = char.ConvertToUtf32(Text(m.Groups["text"].Value), 0); g <= hi; g++, c++)
                    if (g != 0) chars.Add(char.ConvertFromUtf32(c));
        }
        return result;
    }

    /// <summary>UTF-16BE as the PDF specification says, or (as PDFsharp writes beyond U+FFFF) a bare code point.</summary>
    static string Text(string hex) => hex.Length % 4 == 0 && (hex.Length == 4 || hex[0] is 'D' or 'd')
        ? Encoding.BigEndianUnicode.GetString(Convert.FromHexString(hex))
        : char.ConvertFromUtf32(Convert.ToInt32(hex, 16));

    static Regex Section(string kind) => new($"begin{kind}(.*?)end{kind}", RegexOptions.Singleline);

    static byte[] Stream(string body)
    {
        var data = Encoding.Latin1.GetBytes(StreamPattern().Match(body).Groups[1].Value);
        if (!body.Contains("/FlateDecode")) return data;
        using var z = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        try { z.CopyTo(ms); } catch (InvalidDataException) { } // PDFsharp may leave out the final checksum
        return ms.ToArray();
    }

    [GeneratedRegex(@"(?<n>\d+) 0 obj\s*(?<body>.*?)endobj", RegexOptions.Singleline)] private static partial Regex ObjectPattern();
    [GeneratedRegex(@"/BaseFont\s*/([^/\s<>\[\]]+)")] private static partial Regex BaseFont();
    [GeneratedRegex(@"/ToUnicode\s+(\d+) 0 R")] private static partial Regex ToUnicode();
    [GeneratedRegex(@"stream\r?\n(.*?)\r?\nendstream", RegexOptions.Singleline)] private static partial Regex StreamPattern();
    [GeneratedRegex(@"<(?<glyph>[0-9A-Fa-f]{4})>\s*<(?<text>[0-9A-Fa-f]{4,8})>")] private static partial Regex BfChar();
    [GeneratedRegex(@"<(?<lo>[0-9A-Fa-f]{4})>\s*<(?<hi>[0-9A-Fa-f]{4})>\s*<(?<text>[0-9A-Fa-f]{4,8})>")] private static partial Regex BfRange();
}
