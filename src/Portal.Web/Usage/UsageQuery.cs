using System.Globalization;
using Portal.Core.Spend;

namespace Portal.Web.Usage;

/// <summary>The usage page's filters as they appear in its URL (<c>?period=last-month&amp;sku=…</c>), shared by the page and the CSV export.</summary>
public sealed record UsageQuery(string Period, DateOnly? From, DateOnly? To, string? Sku, string? Model)
{
    public const string ThisMonth = "this-month";
    public const string LastMonth = "last-month";
    public const string Custom = "custom";

    public static UsageQuery Parse(string? period, string? from, string? to, string? sku, string? model) =>
        new(period is LastMonth or Custom ? period : ThisMonth, Date(from), Date(to), Blank(sku), Blank(model));

    /// <summary>The UTC days it covers; a custom range is inclusive of its last day.</summary>
    public UsageFilter ToFilter(DateTime now)
    {
        var month = SpendMonth.StartOf(now);
        var (start, end) = Period switch
        {
            LastMonth => (DateOnly.FromDateTime(month.AddMonths(-1)), DateOnly.FromDateTime(month)),
            Custom when From is { } f => (f, (To is { } t && t >= f ? t : f).AddDays(1)),
            _ => (DateOnly.FromDateTime(month), DateOnly.FromDateTime(month.AddMonths(1))),
        };
        return new UsageFilter(start, end, Sku, Model);
    }

    public string ToQueryString()
    {
        var parts = new List<string> { "period=" + Period };
        if (Period == Custom && From is { } f) parts.Add("from=" + f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (Period == Custom && To is { } t) parts.Add("to=" + t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (Sku is not null) parts.Add("sku=" + Uri.EscapeDataString(Sku));
        if (Model is not null) parts.Add("model=" + Uri.EscapeDataString(Model));
        return string.Join("&", parts);
    }

    private static DateOnly? Date(string? s) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
