using System.Buffers.Binary;

namespace Portal.Core.Documents;

/// <summary>
/// The code points a TrueType font has glyphs for, read from its Unicode 'cmap' subtable (format 12, else 4).
/// PDFsharp draws a missing character as the empty .notdef box and offers no way to ask beforehand.
/// </summary>
internal sealed class FontCoverage
{
    readonly HashSet<int> codePoints = [];

    public bool Has(int codePoint) => codePoints.Contains(codePoint);

    public static FontCoverage Read(byte[] font)
    {
        var coverage = new FontCoverage();
        var cmap = TableOffset(font, "cmap") ?? throw new InvalidDataException("The font has no cmap table.");
        int? format4 = null, format12 = null;
        for (int i = 0, count = U16(font, cmap + 2); i < count; i++)
        {
            var record = cmap + 4 + i * 8;
            var (platform, encoding) = (U16(font, record), U16(font, record + 2));
            var subtable = cmap + (int)U32(font, record + 4);
            var format = U16(font, subtable);
            if (format == 12 && (platform == 0 || (platform == 3 && encoding == 10))) format12 ??= subtable;
            if (format == 4 && (platform == 0 || (platform == 3 && encoding == 1))) format4 ??= subtable;
        }
        if (format12 is { } t12) coverage.ReadFormat12(font, t12);
        else if (format4 is { } t4) coverage.ReadFormat4(font, t4);
        else throw new InvalidDataException("The font has no Unicode cmap subtable.");
        return coverage;
    }

    void ReadFormat12(byte[] f, int t)
    {
        for (long g = 0, groups = U32(f, t + 12); g < groups; g++)
        {
            var at = t + 16 + (int)g * 12;
            var (start, end) = ((int)U32(f, at), (int)U32(f, at + 4));
            if (U32(f, at + 8) == 0 && start == end) continue; // maps to .notdef
            for (var c = start; c <= end; c++) codePoints.Add(c);
        }
    }

    void ReadFormat4(byte[] f, int t)
    {
        var segments = U16(f, t + 6) / 2;
        int ends = t + 14, starts = ends + segments * 2 + 2, deltas = starts + segments * 2, ranges = deltas + segments * 2;
        for (var s = 0; s < segments; s++)
        {
            int end = U16(f, ends + s * 2), start = U16(f, starts + s * 2), delta = U16(f, deltas + s * 2), rangeOffset = U16(f, ranges + s * 2);
            for (var c = start; c <= end && c != 0xFFFF; c++)
            {
                var glyph = rangeOffset == 0
                    ? (c + delta) & 0xFFFF
                    : U16(f, ranges + s * 2 + rangeOffset + (c - start) * 2) is var g and not 0 ? (g + delta) & 0xFFFF : 0;
                if (glyph != 0) codePoints.Add(c);
            }
        }
    }

    static int? TableOffset(byte[] f, string tag)
    {
        for (int i = 0, count = U16(f, 4); i < count; i++)
        {
            var record = 12 + i * 16;
            if (f[record] == tag[0] && f[record + 1] == tag[1] && f[record + 2] == tag[2] && f[record + 3] == tag[3])
                return (int)U32(f, record + 8);
        }
        return null;
    }

    static int U16(byte[] f, int at) => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(at));
    static uint U32(byte[] f, int at) => BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(at));
}
