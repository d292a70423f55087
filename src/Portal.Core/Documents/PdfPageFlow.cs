using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Portal.Core.Documents;

/// <summary>
/// Lays out a document top to bottom over as many A4 pages as needed: a page starts on the first draw, a new one when
/// <see cref="Keep"/> finds no room, and <see cref="Finish"/> writes every page's footer once the page count is known.
/// One instance per document: XFont and XGraphics are not shared between threads.
/// </summary>
internal sealed class PdfPageFlow(PdfDocument doc, double margin, double footerGap)
{
    /// <summary>A4 in points (1/72 in).</summary>
    public const double PageWidth = 595.276, PageHeight = 841.89;

    readonly List<PdfPage> pages = [];
    readonly PdfText printer = new();
    // Word widths are measured once per font and summed (PDFsharp does not kern), instead of measuring
    // every growing line again: measuring is most of the cost of laying out an agreement.
    readonly Dictionary<(XFont, string), double> widths = [];
    XGraphics? gfx;
    double y;

    public double Margin => margin;
    public double Width => PageWidth - 2 * margin;

    /// <summary>The lowest line text may start on: above the footer.</summary>
    public double Bottom => PageHeight - margin - footerGap;

    XGraphics G => gfx ?? NewPage();

    XGraphics NewPage()
    {
        gfx?.Dispose();
        var page = doc.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        pages.Add(page);
        (y, gfx) = (margin, XGraphics.FromPdfPage(page));
        return gfx;
    }

    /// <summary>Starts a new page unless <paramref name="height"/> more points fit on this one.</summary>
    public void Keep(double height) { if (gfx is null || y + height > Bottom) NewPage(); }

    public void Space(double height) { _ = G; y += height; }

    /// <summary>Draws one line of text <paramref name="x"/> points right of the margin, <paramref name="dy"/> below the current line.</summary>
    public void Text(string s, XFont font, double x, XBrush? brush = null, double dy = 0) =>
        printer.Draw(G, s, font, brush ?? XBrushes.Black, margin + x, y + dy);

    /// <summary>Draws one line of text flush with the right margin.</summary>
    public void Right(string s, XFont font) =>
        G.DrawString(s, font, XBrushes.Black, new XRect(margin, y, Width, font.GetHeight()), XStringFormats.TopRight);

    /// <summary>Wraps <paramref name="text"/> to the full width, keeping each line on a page, then adds <paramref name="spaceAfter"/>.</summary>
    public void Lines(string text, XFont font, XBrush brush, double spaceAfter = 0)
    {
        foreach (var line in Wrap(text, font, Width))
        {
            Keep(font.GetHeight());
            Text(line, font, 0, brush);
            y += font.GetHeight();
        }
        y += spaceAfter;
    }

    /// <summary>A thin grey line across the page, <paramref name="offset"/> below the current line, in a band <paramref name="height"/> high.</summary>
    public void Rule(double height, double offset)
    {
        Keep(height);
        G.DrawLine(new XPen(XColors.Gray, 0.5), margin, y + offset, margin + Width, y + offset);
        y += height;
    }

    /// <summary>Greedy word wrap; a word wider than the line (a long user agent or e-mail) is broken by characters.</summary>
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

    double Measure(string s, XFont font)
    {
        if (!widths.TryGetValue((font, s), out var width)) widths[(font, s)] = width = printer.Width(G, s, font);
        return width;
    }

    /// <summary>Ends the last page and writes <paramref name="footer"/> and "Page i of n" under every page,
    /// below a light line when <paramref name="separator"/> is set.</summary>
    public void Finish(string footer, XFont font, bool separator)
    {
        gfx?.Dispose();
        gfx = null;
        var top = PageHeight - margin + 4;
        for (var i = 0; i < pages.Count; i++)
        {
            using var g = XGraphics.FromPdfPage(pages[i], XGraphicsPdfPageOptions.Append);
            if (separator) g.DrawLine(new XPen(XColors.LightGray, 0.5), margin, top - 4, margin + Width, top - 4);
            g.DrawString(footer, font, XBrushes.DimGray, new XRect(margin, top, Width, 12), XStringFormats.TopLeft);
            g.DrawString($"Page {i + 1} of {pages.Count}", font, XBrushes.DimGray, new XRect(margin, top, Width, 12), XStringFormats.TopRight);
        }
    }
}
