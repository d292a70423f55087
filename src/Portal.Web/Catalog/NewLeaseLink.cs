using System.Globalization;

namespace Portal.Web.Catalog;

/// <summary>
/// The address of the New lease form filled in with what a catalog page shows (the form reads
/// <c>?sku=&amp;region=&amp;gpus=&amp;start=&amp;hours=</c>). A visitor who is not signed in is sent to sign in
/// and comes back to it.
/// </summary>
public static class NewLeaseLink
{
    public static string For(string sku, string? region = null, int? gpus = null, DateTime? start = null, int? hours = null)
    {
        var query = new List<string> { "sku=" + Uri.EscapeDataString(sku) };
        if (region is not null) query.Add("region=" + Uri.EscapeDataString(region));
        if (gpus is { } g) query.Add("gpus=" + g.ToString(CultureInfo.InvariantCulture));
        if (start is { } s) query.Add("start=" + s.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture));
        if (hours is { } h) query.Add("hours=" + h.ToString(CultureInfo.InvariantCulture));
        return "/leases/new?" + string.Join('&', query);
    }
}
