using Microsoft.Extensions.Configuration;

namespace Portal.Core.Admin;

/// <summary>One thing that needs a person, and the page where it is handled.</summary>
public sealed record SupportQueueItem(string Title, string Detail, string Link, DateTime? Since);

/// <summary>
/// One kind of work in Support's queue: the oldest <see cref="Items"/> (a few), how many there are in all, and where the
/// whole list is when there are more.
/// </summary>
public sealed record SupportQueueSection(string Key, string Heading, IReadOnlyList<SupportQueueItem> Items, int Total, string? AllLink = null);

/// <summary>When something counts as late: settings under <c>SupportQueue:</c>.</summary>
public sealed record SupportQueueLimits(int InvoiceOverdueDays, int StalledMinutes, int FailedLeaseDays)
{
    /// <summary>How many rows a section shows; the rest are behind its link.</summary>
    public const int Shown = 5;

    public static SupportQueueLimits From(IConfiguration config) => new(
        config.GetValue("SupportQueue:InvoiceOverdueDays", 30),
        config.GetValue("SupportQueue:StalledMinutes", 30),
        config.GetValue("SupportQueue:FailedLeaseDays", 7));
}
