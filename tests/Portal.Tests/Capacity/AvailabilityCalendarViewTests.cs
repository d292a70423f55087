using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Web.Capacity;

namespace Portal.Tests.Capacity;

/// <summary>
/// The availability calendar as a person reads it: months with weekday columns, a legend whose ranges are the shades'
/// real thresholds, and a picked day's hours with why it is low and a lease from the hour picked.
/// </summary>
public sealed class AvailabilityCalendarViewTests : IAsyncLifetime
{
    private static readonly DateTime Wednesday = new(2027, 3, 3, 0, 0, 0, DateTimeKind.Utc);
    private readonly BunitContext ctx = new();

    // 16 GPUs in service and 8 in maintenance; on the second day 12 are leased from 10:00 to 14:00.
    private static readonly AvailabilityCalendarResult Calendar = AvailabilityCalendar.Compute(
        [new("n1", "r1", "h100", 8, NodeState.Ready), new("n2", "r1", "h100", 8, NodeState.Ready), new("n3", "r1", "h100", 8, NodeState.Maintenance)],
        [new("n1", 8, Wednesday.AddHours(34), Wednesday.AddHours(38)), new("n2", 4, Wednesday.AddHours(34), Wednesday.AddHours(38))],
        "r1", "h100", Wednesday);

    public Task InitializeAsync()
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
        return Task.CompletedTask;
    }

    [Fact]
    public void The_legend_gives_each_shade_its_range_of_free_gpus()
    {
        var levels = new AvailabilityLevels(8);
        Assert.Equal(["0", "1", "2–3", "4–5", "6–8"], levels.Legend().Select(l => l.Range));
        Assert.Equal([0, 1, 2, 2, 3, 3, 4, 4, 4], Enumerable.Range(0, 9).Select(levels.Level));
        // One GPU in service: free is the top shade, none the bottom; no empty ranges in between.
        Assert.Equal([(0, "0"), (4, "1")], new AvailabilityLevels(1).Legend());
    }

    [Fact]
    public void Days_sit_under_their_weekday_in_month_grids_and_a_busy_day_says_how_many_are_free_at_best()
    {
        var cut = ctx.Render<AvailabilityHeatmap>(p => p.Add(c => c.Calendar, Calendar).Add(c => c.DayLink, d => $"/calendar?day={d}"));

        var months = cut.FindAll("[data-testid=availability-month]");
        Assert.Equal(["March 2027", "April 2027", "May 2027"], months.Select(m => m.QuerySelector(".availability-month-title")!.TextContent));
        Assert.Equal(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], months[0].QuerySelectorAll(".availability-weekday").Select(w => w.TextContent));
        // 3 March 2027 is a Wednesday, 1 April a Thursday, 1 May a Saturday: that many empty cells before each first day.
        Assert.Equal([2, 3, 5], months.Select(m => m.QuerySelectorAll(".availability-blank").Length));
        Assert.Equal(90, cut.FindAll("[data-testid=availability-day]").Count);

        var busy = cut.FindAll("[data-testid=availability-day]")[1];
        Assert.Equal("/calendar?day=1", busy.GetAttribute("href")); // a day is a link to its hours (the page is static)
        Assert.Contains("level-2", busy.ClassName); // 4 of 16 free: a quarter
        Assert.Contains("up to 16", busy.TextContent);
        Assert.Contains("12 leased or held at the busiest hour", busy.GetAttribute("title"));
        Assert.Contains("level-4", cut.FindAll("[data-testid=availability-day]")[0].ClassName);

        var legend = cut.FindAll("[data-testid=availability-legend-item]").Select(i => i.TextContent.Trim());
        Assert.Equal(["0", "1–3", "4–7", "8–11", "12–16"], legend);
    }

    [Fact]
    public void A_picked_day_says_why_it_is_low_and_leases_from_the_hour_picked()
    {
        var cut = ctx.Render<AvailabilityHours>(p => p
            .Add(c => c.Calendar, Calendar).Add(c => c.Day, 1).Add(c => c.Now, Wednesday.AddHours(5)).Add(c => c.HourLink, h => $"/calendar?hour={h}"));

        Assert.Contains("Fewest free at 10:00: 4 of 16 GPUs, because leases and held quotes take 12",
            cut.Find("[data-testid=availability-reason]").TextContent);
        Assert.Contains("8 more GPUs are on nodes in maintenance", cut.Find("[data-testid=availability-out-of-service]").TextContent);
        Assert.Equal("/leases/new?sku=h100&region=r1&gpus=1&start=2027-03-04T00:00Z&hours=24", Lease(cut).GetAttribute("href"));

        Assert.Equal("/calendar?hour=15", cut.FindAll("[data-testid=availability-hour]")[15].GetAttribute("href"));
        cut.Render(p => p.Add(c => c.PickedHour, 15)); // the page passes the hour its link picked (?hour=15)
        Assert.Equal("/leases/new?sku=h100&region=r1&gpus=1&start=2027-03-04T15:00Z&hours=9", Lease(cut).GetAttribute("href"));
        Assert.Contains("from 15:00 UTC", Lease(cut).TextContent);
    }

    [Fact]
    public void Today_starts_at_the_hour_under_way_and_its_past_hours_cannot_be_picked()
    {
        var cut = ctx.Render<AvailabilityHours>(p => p
            .Add(c => c.Calendar, Calendar).Add(c => c.Day, 0).Add(c => c.Now, Wednesday.AddHours(9).AddMinutes(20))
            .Add(c => c.HourLink, h => $"/calendar?hour={h}").Add(c => c.PickedHour, 3)); // an old link to a past hour

        var hours = cut.FindAll("[data-testid=availability-hour]");
        Assert.False(hours[8].HasAttribute("href")); // past: text, not a link
        Assert.True(hours[9].HasAttribute("href"));
        Assert.Equal("/leases/new?sku=h100&region=r1&gpus=1&start=2027-03-03T09:00Z&hours=15", Lease(cut).GetAttribute("href"));
        Assert.Contains("Nothing is leased on this day", cut.Find("[data-testid=availability-reason]").TextContent);
    }

    private static AngleSharp.Dom.IElement Lease(IRenderedComponent<AvailabilityHours> cut) => cut.Find("[data-testid=availability-lease]");

    public async Task DisposeAsync() => await ctx.DisposeAsync();
}
