using PdfSharp.Drawing;
using Portal.Core.Catalog;
using Portal.Core.Documents;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>
/// An invoice as an A4 PDF (PDFsharp, the embedded fonts of <see cref="PdfFonts"/>, laid out by <see cref="PdfPageFlow"/>): who and which month,
/// a table of lines (description, quantity, rate, amount), the credits applied, then subtotal, credits and total.
/// </summary>
public static class InvoicePdf
{
    const double Margin = 48, QtyX = 300, RateX = 400, DescWidth = QtyX - Margin - 12;

    public static byte[] Render(InvoiceDetail d)
    {
        var inv = d.Invoice;
        using var doc = PdfDocumentFile.Create($"Invoice {inv.Number}", LeaseAgreement.Provider);
        var p = new PdfPageFlow(doc, Margin, footerGap: 16);
        XFont title = PdfFonts.Font(18, true), bold = PdfFonts.Font(9.5, true), body = PdfFonts.Font(9.5, false), small = PdfFonts.Font(8, false);
        p.Text($"Invoice {inv.Number}", title, 0);
        p.Space(title.GetHeight() + 6);
        foreach (var (label, value) in Facts(d))
        {
            p.Text(label, bold, 0);
            p.Text(value, body, 120);
            p.Space(body.GetHeight() + 2);
        }
        p.Space(12);
        p.Text("Description", bold, 0); p.Text("Quantity", bold, QtyX - Margin); p.Text("Rate", bold, RateX - Margin);
        p.Right("Amount", bold);
        p.Space(bold.GetHeight() + 2);
        p.Rule(height: 8, offset: 2);
        foreach (var line in d.Lines)
        {
            var desc = p.Wrap(line.Description, body, DescWidth);
            p.Keep(desc.Count * body.GetHeight() + 4);
            p.Text(Quantity(line), body, QtyX - Margin);
            p.Text(Rate(line), body, RateX - Margin);
            p.Right(line.Kind == InvoiceLineKind.SlaNote ? "not charged" : Money.Cents(line.AmountMicros), body);
            foreach (var text in desc) { p.Text(text, body, 0); p.Space(body.GetHeight()); }
            p.Space(4);
        }
        foreach (var c in d.Credits)
        {
            var desc = p.Wrap($"{InvoiceFormat.Kind(c.Credit.Kind)}: {c.Credit.Reason}", body, DescWidth);
            p.Keep(desc.Count * body.GetHeight() + 4);
            p.Right("-" + Money.Cents(c.AppliedMicros), body);
            foreach (var text in desc) { p.Text(text, body, 0); p.Space(body.GetHeight()); }
            p.Space(4);
        }
        p.Rule(height: 8, offset: 2);
        (string, long, XFont)[] totals = [("Subtotal", inv.SubtotalMicros, body), ("Credits", -inv.CreditsMicros, body), ("Total due", inv.TotalMicros, bold)];
        foreach (var (label, amount, font) in totals)
        {
            p.Keep(font.GetHeight() + 4);
            p.Text(label, font, RateX - Margin);
            p.Right(Money.Cents(amount), font);
            p.Space(font.GetHeight() + 4);
        }
        if (inv.State == InvoiceState.Void) { p.Space(10); p.Text($"VOID: {inv.VoidReason}", bold, 0); }
        p.Finish($"{LeaseAgreement.Provider} · {inv.Number} · amounts in US dollars", small, separator: false);
        return PdfDocumentFile.Save(doc);
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
}
