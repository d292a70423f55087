using System.Globalization;
using Portal.Core.Catalog;

namespace Portal.Web.Catalog;

/// <summary>
/// The GPU catalog's address: <c>?region=&amp;memory=GB&amp;price=dollars&amp;sort=&amp;compare=id&amp;compare=id</c>. A value
/// the form never offers (typed by hand, an old link) is ignored rather than refused: the page is a price list, not a form.
/// </summary>
public sealed record GpuCatalogQuery(SkuFilter Filter, IReadOnlyList<string> Compare)
{
    public const int MaxCompared = 3;

    public static readonly int[] MemorySteps = [48, 80, 141, 180];
    public static readonly int[] PriceStepsDollars = [1, 2, 3, 4];

    public static GpuCatalogQuery Parse(string? region, string? memory, string? price, string? sort, string[]? compare)
    {
        var minMemory = int.TryParse(memory, NumberStyles.None, CultureInfo.InvariantCulture, out var gb) && gb > 0 ? gb : (int?)null;
        var maxPrice = int.TryParse(price, NumberStyles.None, CultureInfo.InvariantCulture, out var dollars) && dollars > 0
            ? dollars * Money.MicrosPerDollar : (long?)null;
        var order = Enum.TryParse<SkuSort>(sort, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : SkuSort.PriceAscending;
        var regionId = string.IsNullOrWhiteSpace(region) ? null : region.Trim();
        return new GpuCatalogQuery(new SkuFilter(regionId, minMemory, maxPrice, order),
            (compare ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Distinct().ToList());
    }
}
