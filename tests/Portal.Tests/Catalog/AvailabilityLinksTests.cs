using System.Globalization;
using System.Net;
using AngleSharp.Html.Parser;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

/// <summary>
/// The static availability page (issue 17): a day and a start hour are links, so what the visitor picked is in the address
/// and "Lease this day" carries it to the New lease form.
/// </summary>
public sealed class AvailabilityLinksTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string Calendar = "/catalog/availability?region=us-south-1&sku=b200-180gb";

    [Fact]
    public async Task A_day_link_shows_its_hours_and_an_hour_link_makes_it_the_leases_start()
    {
        using var client = factory.CreatePortalClient();
        var calendar = new HtmlParser().ParseDocument(await client.GetPageAsync(Calendar));
        Assert.Null(calendar.QuerySelector("[data-testid=availability-hours]"));
        var dayLink = calendar.QuerySelectorAll("a[data-testid=availability-day]")[2].GetAttribute("href")!;
        Assert.Contains("day=2", dayLink);

        var day = new HtmlParser().ParseDocument(await client.GetPageAsync(WebUtility.HtmlDecode(dayLink.Split('#')[0])));
        var date = DateTime.UtcNow.Date.AddDays(2);
        Assert.Contains(date.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture), day.QuerySelector("[data-testid=availability-hours]")!.TextContent);
        Assert.Equal("date", day.QuerySelectorAll("[data-testid=availability-day]")[2].GetAttribute("aria-current"));
        Assert.Equal(24, day.QuerySelectorAll("a[data-testid=availability-hour]").Length); // two days ahead: no hour is past
        Assert.Contains($"start={date:yyyy-MM-dd}T00:00Z&hours=24", day.QuerySelector("[data-testid=availability-lease]")!.GetAttribute("href"));

        var hourLink = day.QuerySelectorAll("a[data-testid=availability-hour]")[5].GetAttribute("href")!;
        var hour = new HtmlParser().ParseDocument(await client.GetPageAsync(hourLink.Split('#')[0]));
        Assert.Contains($"start={date:yyyy-MM-dd}T05:00Z&hours=19", hour.QuerySelector("[data-testid=availability-lease]")!.GetAttribute("href"));
        Assert.Equal("time", hour.QuerySelectorAll("[data-testid=availability-hour]")[5].GetAttribute("aria-current"));
    }

    [Fact]
    public async Task A_day_or_hour_out_of_range_shows_the_calendar_without_it()
    {
        using var client = factory.CreatePortalClient();
        var page = new HtmlParser().ParseDocument(await client.GetPageAsync(Calendar + "&day=90&hour=3"));
        Assert.Equal(90, page.QuerySelectorAll("[data-testid=availability-day]").Length);
        Assert.Null(page.QuerySelector("[data-testid=availability-hours]"));
        page = new HtmlParser().ParseDocument(await client.GetPageAsync(Calendar + "&day=3&hour=24"));
        Assert.Contains("T00:00Z&hours=24", page.QuerySelector("[data-testid=availability-lease]")!.GetAttribute("href"));
    }
}
