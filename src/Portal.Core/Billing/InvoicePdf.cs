using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Portal.Core.Catalog;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>
/// An invoice as an A4 PDF (PDFsharp, the fonts embedded for the lease agreement, see <see cref="PdfFonts"/>): who and which month,
/// a table of lines (description, quantity, rate, amount), the credits applied, then subtotal, credits and total.
/// </summary>
public static class InvoicePdf
{
    const double PageWidth = 595.276, PageHeight = 841.89, Margin = 48;
    const double QtyX = 300, RateX = 400, AmountRight = PageWidth - Margin, DescWidth = QtyX - Margin - 12;

    public static byte[] Render(InvoiceDetail d)
    {
        var inv = d.Invoice;
        LeaseAgreementPdf.EnsureFontResolver();
        using var doc = new PdfDocument();
        doc.Info.Title = $"Invoice {inv.Number}";
        doc.Info.Author = LeaseAgreement.Provider;
        doc.Info.Creator = "Portal";
        var p = new Pages(doc);
        p.Text($"Invoice {inv.Number}", p.Title, 0);
        p.Line(p.Title.GetHeight() + 6);
        foreach (var (label, value) in Facts(d))
        {
            p.Text(label, p.Bold, 0);
            p.Text(value, p.Body, 120);
            p.Line(p.Body.GetHeight() + 2);
        }
        p.Line(12);
        p.Text("Description", p.Bold, 0); p.Text("Quantity", p.Bold, QtyX - Margin); p.Text("Rate", p.Bold, RateX - Margin);
        p.Right("Amount", p.Bold);
        p.Line(p.Bold.GetHeight() + 2);
        p.Rule();
        foreach (var line in d.Lines)
        {
            var desc = p.Wrap(line.Description, p.Body, DescWidth);
            p.Keep(desc.Count * p.Body.GetHeight() + 4);
            p.Text(Quantity(line), p.Body, QtyX - Margin);
            p.Text(Rate(line), p.Body, RateX - Margin);
            p.Right(line.Kind == InvoiceLineKind.SlaNote ? "not charged" : Money.Format(line.AmountMicros), p.Body);
            foreach (var text in desc) { p.Text(text, p.Body, 0); p.Line(p.Body.GetHeight()); }
            p.Line(4);
        }
        foreach (var c in d.Credits)
        {
            var desc = p.Wrap($"{InvoiceFormat.Kind(c.Credit.Kind)}: {c.Credit.Reason}", p.Body, DescWidth);
            p.Keep(desc.Count * p.Body.GetHeight() + 4);
            p.Right("-" + Money.Format(c.AppliedMicros), p.Body);
            foreach (var text in desc) { p.Text(text, p.Body, 0); p.Line(p.Body.GetHeight()); }
            p.Line(4);
        }
        p.Rule();
        foreach (var (label, amount, font) in new[] { ("Subtotal", inv.SubtotalMicros, p.Body), ("Credits", -inv.CreditsMicros, p.Body), ("Total due", inv.TotalMicros, p.Bold) })
        {
            p.Keep(font.GetHeight() + 4);
            p.Text(label, font, RateX - Margin);
            p.Right(amount < 0 ? "-" + Money.Format(-amount) : Money.Format(amount), font);
            p.Line(font.GetHeight() + 4);
        }
        if (inv.State == InvoiceState.Void) { p.Line(10); p.Text($"VOID: {inv.VoidReason}", p.Bold, 0); }
        p.Finish($"{LeaseAgreement.Provider} · {inv.Number} · amounts in US dollars");
        using var ms = new MemoryStream();
        doc.Save(ms, false);
        return ms.ToArray();
    }

    static IEnumerable<(string, string)> Facts(InvoiceDetail d)
    {
        var inv = d.Invoice;
        yield return ("Billed to", d.TenantName);
        yield return ("Period", $"{InvoiceFormat.Period(inv.PeriodStart)} (UTC)");
        if (inv.IssuedAt is { } issued) yield return ("Issued", $"{issued:yyyy-MM-dd}");
        yield return ("Status", inv.State switch
        {
            InvoiceState.Paid => inv.PaidAt is { } paid ? $"Paid {paid:yyyy-MM-dd}" : "Paid",
            InvoiceState.Void => "Void", InvoiceState.Draft => "Draft", _ => "Due",
        });
        if (d.ReplacesNumber is { } r) yield return ("Replaces", r);
    }

    public static string Quantity(InvoiceLine l) => l.Kind switch
    {
        InvoiceLineKind.Lease or InvoiceLineKind.SlaNote => $"{InvoiceFormat.GpuHours(l.GpuSeconds)} GPU-h",
        InvoiceLineKind.Model => $"{InvoiceFormat.Tokens(l.InputTokens)} in / {InvoiceFormat.Tokens(l.OutputTokens)} out",
        _ => "1",
    };

    public static string Rate(InvoiceLine l) => l.MicrosPerGpuHour is { } r ? $"{Money.Format(r)}/GPU-h" : "";

    /// <summary>Top-to-bottom layout over as many pages as needed.</summary>
    sealed class Pages(PdfDocument doc)
    {
        public readonly XFont Title = Font(18, true), Bold = Font(9.5, true), Body = Font(9.5, false), Small = Font(8, false);
        readonly List<PdfPage> pages = [];
        readonly PdfText printer = new();
        XGraphics? gfx;
        double y;
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

        public void Keep(double height) { if (gfx is null || y + height > PageHeight - Margin - 16) NewPage(); }
        public void Line(double dy) { _ = G; y += dy; }
        public void Text(string s, XFont f, double x) => printer.Draw(G, s, f, XBrushes.Black, Margin + x, y);
        public void Right(string s, XFont f) => G.DrawString(s, f, XBrushes.Black, new XRect(Margin, y, AmountRight - Margin, f.GetHeight()), XStringFormats.TopRight);
        public void Rule() { Keep(8); G.DrawLine(new XPen(XColors.Gray, 0.5), Margin, y + 2, AmountRight, y + 2); y += 8; }

        public List<string> Wrap(string text, XFont font, double width)
        {
            var lines = new List<string>();
            var line = "";
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var next = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && printer.Width(G, next, font) > width) { lines.Add(line); line = word; }
                else line = next;
            }
            lines.Add(line);
            return lines;
        }

        public void Finish(string footer)
        {
            gfx?.Dispose();
            gfx = null;
            for (var i = 0; i < pages.Count; i++)
            {
                using var g = XGraphics.FromPdfPage(pages[i], XGraphicsPdfPageOptions.Append);
                g.DrawString(footer, Small, XBrushes.DimGray, new XRect(Margin, PageHeight - Margin + 4, AmountRight - Margin, 12), XStringFormats.TopLeft);
                g.DrawString($"Page {i + 1} of {pages.Count}", Small, XBrushes.DimGray, new XRect(Margin, PageHeight - Margin + 4, AmountRight - Margin, 12), XStringFormats.TopRight);
            }
        }

        static XFont Font(double size, bool bold) => new(LeaseAgreementPdf.FontFamily, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
    }
}
