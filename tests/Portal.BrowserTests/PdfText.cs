using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>
/// The text a PDF written by PDFsharp draws (its Flate content streams' Tj strings), to read a downloaded agreement the
/// way a person would: the same reading as Portal.Tests' LeaseAgreementPdfTests.PageText, for the browser journeys.
/// </summary>
public static partial class PdfText
{
    public static string Of(byte[] pdf)
    {
        var raw = Encoding.Latin1.GetString(pdf);
        var text = new StringBuilder();
        foreach (Match m in Stream().Matches(raw))
        {
            var content = Encoding.Latin1.GetString(Inflate(Encoding.Latin1.GetBytes(m.Groups[1].Value)));
            foreach (Match s in Shown().Matches(content)) text.Append(Regex.Unescape(s.Groups["t"].Value)).Append('\n');
        }
        return text.ToString();
    }

    // PDFsharp's deflate streams may end without the final zlib checksum: keep whatever inflates.
    private static byte[] Inflate(byte[] data)
    {
        using var z = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        var buffer = new byte[4096];
        try { for (int n; (n = z.Read(buffer)) > 0;) ms.Write(buffer, 0, n); }
        catch (InvalidDataException) { }
        return ms.ToArray();
    }

    [GeneratedRegex(@"/Filter/FlateDecode>>\nstream\n(.*?)\nendstream", RegexOptions.Singleline)]
    private static partial Regex Stream();

    [GeneratedRegex(@"\((?<t>(?:\\.|[^\\)])*)\)\s*Tj")]
    private static partial Regex Shown();
}
