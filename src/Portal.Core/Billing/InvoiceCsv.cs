using System.Globalization;
using CsvHelper;

namespace Portal.Core.Billing;

/// <summary>
/// An invoice as CSV for a spreadsheet or an accounting import: one row per line and per credit applied, then the
/// totals; amounts in US dollars with six decimals (exact micro-dollars) and also in micro-dollars. Text that a
/// spreadsheet would run as a formula is escaped.
/// </summary>
public static class InvoiceCsv
{
    static readonly string[] Header =
        ["invoice", "period", "kind", "description", "lease_id", "sku", "region", "model", "gpu_hours", "rate_usd_per_gpu_hour",
         "input_tokens", "output_tokens", "amount_usd", "amount_micros"];

    public static byte[] Render(InvoiceDetail d)
    {
        using var ms = new MemoryStream();
        using (var csv = CsvWriter.Create(ms, new CsvWriterOptions { Injection = CsvInjection.Escape }, true))
        {
            var inv = d.Invoice;
            var period = inv.PeriodStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            csv.WriteRecord(Header);
            foreach (var l in d.Lines)
                csv.WriteRecord([inv.Number, period, Kind(l.Kind), l.Description, l.LeaseId?.ToString(), l.SkuId, l.RegionId, l.Model,
                    l.GpuSeconds == 0 ? "" : (l.GpuSeconds / 3600m).ToString("0.######", CultureInfo.InvariantCulture),
                    l.MicrosPerGpuHour is { } r ? Usd(r) : "",
                    l.Kind == InvoiceLineKind.Model ? l.InputTokens.ToString(CultureInfo.InvariantCulture) : "",
                    l.Kind == InvoiceLineKind.Model ? l.OutputTokens.ToString(CultureInfo.InvariantCulture) : "",
                    Usd(l.AmountMicros), l.AmountMicros.ToString(CultureInfo.InvariantCulture)]);
            foreach (var c in d.Credits)
                csv.WriteRecord([inv.Number, period, "credit", $"{InvoiceFormat.Kind(c.Credit.Kind)}: {c.Credit.Reason}", c.Credit.LeaseId?.ToString(),
                    "", "", "", "", "", "", "", Usd(-c.AppliedMicros), (-c.AppliedMicros).ToString(CultureInfo.InvariantCulture)]);
            foreach (var (kind, amount) in new[] { ("subtotal", inv.SubtotalMicros), ("credits", -inv.CreditsMicros), ("total", inv.TotalMicros) })
                csv.WriteRecord([inv.Number, period, kind, "", "", "", "", "", "", "", "", "", Usd(amount), amount.ToString(CultureInfo.InvariantCulture)]);
        }
        return ms.ToArray();
    }

    static string Kind(InvoiceLineKind k) => k switch
    {
        InvoiceLineKind.Lease => "lease", InvoiceLineKind.Model => "model", InvoiceLineKind.CancellationFee => "cancellation_fee", _ => "sla_not_charged",
    };

    static string Usd(long micros) => (micros / 1_000_000m).ToString("0.000000", CultureInfo.InvariantCulture);
}
