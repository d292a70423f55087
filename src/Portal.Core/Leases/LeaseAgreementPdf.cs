using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Portal.Core.Leases;

/// <summary>
/// Renders a signed <see cref="LeaseAgreement"/> to PDF with PDFsharp. The bytes depend only on the inputs
/// (dates and document ID come from them, not the clock), so the stored SHA-256 can be checked by re-rendering.
/// Text is set in the fonts embedded in this assembly (<see cref="PdfFonts"/>), so no host fonts are needed.
/// </summary>
public static partial class LeaseAgreementPdf
{
    /// <summary>The family name our font resolver answers to; any other family is left to other resolvers.</summary>
    public const string FontFamily = PdfFonts.Primary;

    const double PageWidth = 595.276, PageHeight = 841.89, Margin = 56, LabelWidth = 110; // points (1/72 in): A4, 2 cm margins
    static readonly XBrush Ink = XBrushes.Black, Muted = XBrushes.DimGray;

    /// <summary>The signed agreement as PDF bytes: title, version, lease id, every section, then a signature block.</summary>
    public static byte[] Render(AgreementTerms terms, AgreementSignature signature)
    {
        var title = LeaseAgreement.Title(terms);
        using var doc = new PdfDocument();
        doc.Info.Title = $"{title} {terms.AmendmentId ?? terms.LeaseId}";
        doc.Info.Author = LeaseAgreement.Provider;
        doc.Info.Subject = $"{title}, version {LeaseAgreement.Version}, signed by {signature.SignerName}";
        doc.Info.Creator = "Portal";
        doc.Info.CreationDate = doc.Info.ModificationDate = DateTime.SpecifyKind(signature.SignedAtUtc, DateTimeKind.Utc);
        // A stable trailer /ID (16 bytes) derived from what the document says, instead of a random one.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{LeaseAgreement.Version}|{terms}|{signature}"));
        doc.Internals.FirstDocumentID = doc.Internals.SecondDocumentID = Encoding.Latin1.GetString(hash, 0, 16);

        EnsureFontResolver();
        var w = new Writer(doc);
        w.Lines(title, w.Title, Ink, spaceAfter: 4);
        w.Lines($"Agreement version {LeaseAgreement.Version}", w.Small, Muted);
        w.Lines($"Lease {terms.LeaseId}" + (terms.AmendmentId is { } a ? $" · Amendment {a}" : ""), w.Small, Muted, spaceAfter: 14);
        foreach (var section in LeaseAgreement.Sections(terms))
        {
            w.Keep(w.Heading.GetHeight() * 3);
            w.Lines(section.Heading, w.Heading, Ink, spaceAfter: 3);
            foreach (var paragraph in section.Paragraphs) w.Lines(paragraph, w.Body, Ink, spaceAfter: 5);
            w.Space(6);
        }
        SignatureBlock(w, signature);
        w.Finish($"{LeaseAgreement.Provider} · agreement {LeaseAgreement.Version} · lease {terms.LeaseId}");

        FixFontSubsetTags(doc);
        using var ms = new MemoryStream();
        doc.Save(ms, false);
        return FixXmpIds(ms.ToArray(), new Guid(hash.AsSpan(16, 16)));
    }

    static void SignatureBlock(Writer w, AgreementSignature s)
    {
        (string Label, string Value)[] rows =
        [
            ("Typed name", s.SignerName), ("E-mail", s.SignerEmail),
            ("Signed at", LeaseAgreement.FormatTime(s.SignedAtUtc)),
            ("IP address", string.IsNullOrWhiteSpace(s.IpAddress) ? "not recorded" : s.IpAddress),
            ("User agent", string.IsNullOrWhiteSpace(s.UserAgent) ? "not recorded" : s.UserAgent),
        ];
        var valueWidth = w.Width - LabelWidth;
        var height = w.Heading.GetHeight() * 2 + w.Body.GetHeight() * 3
            + rows.Sum(r => (w.Wrap(r.Value, w.Body, valueWidth).Count + 0.4) * w.Body.GetHeight());
        w.Keep(Math.Min(height, w.Bottom - Margin));
        w.Rule();
        w.Lines("Signature", w.Heading, Ink, spaceAfter: 4);
        foreach (var (label, value) in rows)
        {
            var lines = w.Wrap(value, w.Body, valueWidth);
            w.Keep(w.Body.GetHeight());
            w.Text(label, w.Label, Muted, 0, 1);
            for (var i = 0; i < lines.Count; i++)
            {
                if (i > 0) w.Keep(w.Body.GetHeight());
                w.Text(lines[i], w.Body, Ink, LabelWidth, 0);
                w.Space(w.Body.GetHeight());
            }
            w.Space(w.Body.GetHeight() * 0.4);
        }
        w.Space(4);
        w.Lines($"{s.SignerName} signed electronically by typing their full name and accepting this agreement.", w.Body, Ink);
    }

    /// <summary>PDFsharp tags font subsets ("ABCDEF+DejaVuSans") at random: derive the tag from the font name instead.</summary>
    static void FixFontSubsetTags(PdfDocument doc)
    {
        foreach (var dict in doc.Internals.GetAllObjects().OfType<PdfDictionary>())
            foreach (var key in (string[])["/BaseFont", "/FontName"])
                if (dict.Elements.GetName(key) is { } name && SubsetName().IsMatch(name))
                {
                    var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name[8..]));
                    dict.Elements.SetName(key, "/" + string.Concat(hash[..6].Select(b => (char)('A' + b % 26))) + name[7..]);
                }
    }

    /// <summary>PDFsharp writes random XMP document/instance UUIDs on save: replace them in place (same length, so offsets hold).</summary>
    static byte[] FixXmpIds(byte[] pdf, Guid id) =>
        Encoding.Latin1.GetBytes(XmpUuid().Replace(Encoding.Latin1.GetString(pdf), id.ToString("D")));

    [GeneratedRegex(@"^/[A-Z]{6}\+")] private static partial Regex SubsetName();
    [GeneratedRegex(@"(?<=<xmpMM:(?:DocumentID|InstanceID)>uuid:)[0-9a-fA-F-]{36}(?=</xmpMM:)")] private static partial Regex XmpUuid();

    /// <summary>Lays out text top to bottom over as many A4 pages as needed; footers are drawn at the end.</summary>
    sealed class Writer(PdfDocument doc)
    {
        // Per document: XFont instances are not shared between threads.
        public readonly XFont Title = Font(18, true), Heading = Font(11, true), Body = Font(10, false),
            Label = Font(9, true), Small = Font(8, false);
        readonly List<PdfPage> pages = [];
        readonly PdfText printer = new();
        XGraphics? gfx;
        double y;
        public double Width => PageWidth - 2 * Margin;
        public double Bottom => PageHeight - Margin - 14;
        XGraphics G => gfx ?? NewPage();

        XGraphics NewPage()
        {
            gfx?.Dispose();
            var page = doc.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            pages.Add(page);
            (y, gfx) = (Margin, XGraphics.FromPdfPage(page));
            return gfx;
        }

        /// <summary>Starts a new page unless <paramref name="height"/> more points fit on this one.</summary>
        public void Keep(double height) { if (gfx is null || y + height > Bottom) NewPage(); }
        public void Space(double height) => y += height;
        public void Text(string s, XFont f, XBrush b, double x, double dy) => printer.Draw(G, s, f, b, Margin + x, y + dy);

        public void Lines(string text, XFont font, XBrush brush, double spaceAfter = 0)
        {
            foreach (var line in Wrap(text, font, Width))
            {
                Keep(font.GetHeight());
                Text(line, font, brush, 0, 0);
                y += font.GetHeight();
            }
            y += spaceAfter;
        }

        public void Rule() { Keep(12); G.DrawLine(new XPen(XColors.Gray, 0.5), Margin, y + 4, Margin + Width, y + 4); y += 12; }

        /// <summary>Greedy word wrap; a word wider than the line (a long user agent or e-mail) is broken by characters.</summary>
        // Word widths are measured once per font and summed (PDFsharp does not kern), instead of measuring
        // every growing line again: measuring is most of the cost of laying out an agreement.
        readonly Dictionary<(XFont, string), double> widths = [];

        double Measure(string s, XFont font)
        {
            if (!widths.TryGetValue((font, s), out var width)) widths[(font, s)] = width = printer.Width(G, s, font);
            return width;
        }

        public List<string> Wrap(string text, XFont font, double width)
        {
            var lines = new List<string>();
            var space = Measure(" ", font);
            var line = "";
            var lineWidth = 0.0;
            foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                var wordWidth = Measure(word, font);
                if (line.Length > 0 && lineWidth + space + wordWidth <= width)
                {
                    line += " " + word;
                    lineWidth += space + wordWidth;
                    continue;
                }
                if (line.Length > 0) lines.Add(line);
                (line, lineWidth) = (word, wordWidth);
                while (lineWidth > width)
                {
                    int lo = 1, hi = line.Length - 1; // the longest prefix that fits, by bisection
                    while (lo < hi) { var mid = (lo + hi + 1) / 2; if (printer.Width(G, line[..mid], font) <= width) lo = mid; else hi = mid - 1; }
                    if (char.IsLowSurrogate(line[lo]) && lo > 1) lo--;
                    lines.Add(line[..lo]);
                    line = line[lo..];
                    lineWidth = printer.Width(G, line, font);
                }
            }
            if (line.Length > 0 || lines.Count == 0) lines.Add(line);
            return lines;
        }

        public void Finish(string footer)
        {
            gfx?.Dispose();
            gfx = null;
            const double top = PageHeight - Margin + 4;
            for (var i = 0; i < pages.Count; i++)
            {
                using var g = XGraphics.FromPdfPage(pages[i], XGraphicsPdfPageOptions.Append);
                g.DrawLine(new XPen(XColors.LightGray, 0.5), Margin, top - 4, Margin + Width, top - 4);
                g.DrawString(footer, Small, Muted, new XRect(Margin, top, Width, 12), XStringFormats.TopLeft);
                g.DrawString($"Page {i + 1} of {pages.Count}", Small, Muted, new XRect(Margin, top, Width, 12), XStringFormats.TopRight);
            }
        }
    }

    static XFont Font(double size, bool bold) => new(FontFamily, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);

    /// <summary>Registers the embedded fonts with PDFsharp; see <see cref="PdfFonts.EnsureFontResolver"/>.</summary>
    public static void EnsureFontResolver() => PdfFonts.EnsureFontResolver();
}
