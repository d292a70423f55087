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
            {
                Text(csv, inv.Number, period, Kind(l.Kind), l.Description, l.LeaseId?.ToString(), l.SkuId, l.RegionId, l.Model,
                    l.GpuSeconds == 0 ? null : (l.GpuSeconds / 3600m).ToString("0.######", CultureInfo.InvariantCulture),
                    l.MicrosPerGpuHour is { } r ? Usd(r) : null,
                    l.Kind == InvoiceLineKind.Model ? l.InputTokens.ToString(CultureInfo.InvariantCulture) : null,
                    l.Kind == InvoiceLineKind.Model ? l.OutputTokens.ToString(CultureInfo.InvariantCulture) : null);
                Amount(csv, l.AmountMicros);
            }
            foreach (var c in d.Credits)
            {
                Text(csv, inv.Number, period, "credit", $"{InvoiceFormat.Kind(c.Credit.Kind)}: {c.Credit.Reason}", c.Credit.LeaseId?.ToString(),
                    null, null, null, null, null, null, null);
                Amount(csv, -c.AppliedMicros);
            }
            foreach (var (kind, amount) in new[] { ("subtotal", inv.SubtotalMicros), ("credits", -inv.CreditsMicros), ("total", inv.TotalMicros) })
            {
                Text(csv, inv.Number, period, kind, null, null, null, null, null, null, null, null, null);
                Amount(csv, amount);
            }
        }
        return ms.ToArray();
    }

    // Text goes through the formula guard; amounts are written as numbers (a negative credit must not read as a formula to escape).
    static void Text(CsvWriter csv, params string?[] fields)
    {
        foreach (var f in fields) csv.WriteField(f);
    }

    static void Amount(CsvWriter csv, long micros)
    {
        csv.WriteField(micros / 1_000_000m, "0.000000");
        csv.WriteField(micros, "");
        csv.EndRecord();
    }

    static string Kind(InvoiceLineKind k) => k switch
    {
        InvoiceLineKind.Lease => "lease", InvoiceLineKind.Model => "model", InvoiceLineKind.CancellationFee => "cancellation_fee", _ => "sla_not_charged",
    };

    static string Usd(long micros) => (micros / 1_000_000m).ToString("0.000000", CultureInfo.InvariantCulture);
}
