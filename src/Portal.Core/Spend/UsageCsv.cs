using System.Globalization;
using CsvHelper;

namespace Portal.Core.Spend;

/// <summary>The usage page's rows as CSV (RFC 4180, UTF-8): one line per day and SKU or model, amounts in dollars.</summary>
public static class UsageCsv
{
    public static readonly string[] Header =
        ["date", "kind", "sku_or_model", "gpu_hours", "input_tokens", "output_tokens", "amount_usd"];

    public static async Task WriteAsync(Stream output, UsageReport report, CancellationToken ct = default)
    {
        await using var csv = CsvWriter.Create(output, null, leaveOpen: true);
        csv.WriteHeader(Header);
        foreach (var r in report.Rows)
            csv.WriteRecord(
            [
                r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.Source == Billing.UsageSource.Lease ? "gpu" : "tokens",
                r.Item,
                r.GpuHours.ToString("0.####", CultureInfo.InvariantCulture),
                r.InputTokens.ToString(CultureInfo.InvariantCulture),
                r.OutputTokens.ToString(CultureInfo.InvariantCulture),
                (r.AmountMicros / 1_000_000m).ToString("0.00####", CultureInfo.InvariantCulture),
            ]);
        await csv.FlushAsync(ct);
    }

    public static string FileName(UsageFilter f) =>
        $"usage-{f.From:yyyy-MM-dd}-to-{f.To.AddDays(-1):yyyy-MM-dd}{(f.SkuId is null ? "" : "-" + f.SkuId)}{(f.Model is null ? "" : "-" + f.Model)}.csv";
}
