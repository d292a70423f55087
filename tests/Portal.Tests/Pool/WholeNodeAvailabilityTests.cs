using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Capacity;
using Portal.Core.Leases;
using Portal.Tests.Leases;

namespace Portal.Tests.Pool;

/// <summary>The availability calendar of a Slurm region counts whole free nodes, on the pages and the API alike.</summary>
public sealed class WholeNodeAvailabilityTests(TwoRegionFactory factory) : IClassFixture<TwoRegionFactory>
{
    private const string Region = TwoRegionFactory.Region, Sku = TwoRegionFactory.Sku;

    [Fact]
    public async Task A_day_whose_two_leases_sit_on_two_nodes_half_a_day_each_offers_the_nodes_free_all_day()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var today = (await CalendarAsync()).Start;
        const int day = 9; // a day of its own: the other tests of the class lease within their first five days
        var midnight = today.AddDays(day);
        await using (var member = await factory.As(tenantId, ownerId))
        {
            // The planner takes the first free node: an unsigned hold keeps the first one busy while the morning goes to the
            // second; once that hold has expired, the afternoon goes to the first. Two nodes, each busy half the day.
            await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, midnight, 24));
            var morning = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, midnight, 12));
            await member.Signing.SignAsync(morning.Id, "Ada Lovelace", accepted: true);
            factory.Clock.Advance(TimeSpan.FromMinutes(20));
            var afternoon = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, midnight.AddHours(12), 12));
            await member.Signing.SignAsync(afternoon.Id, "Ada Lovelace", accepted: true);
            Assert.NotEqual(morning.Allocations.Single().NodeId, afternoon.Allocations.Single().NodeId);
        }

        var calendar = await CalendarAsync();
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var api = await LeaseApiCalls.JsonAsync(await client.Http.GetAsync($"/api/v1/availability?region={Region}&sku={Sku}"), System.Net.HttpStatusCode.OK);

        Assert.Equal(32, calendar.ReadyGpus);
        Assert.Equal(16, calendar.DayMinFree[day]); // two of four nodes free all day (GPU counting said 24)
        Assert.Equal(24, calendar.DayMaxFree[day]);
        Assert.Equal("2 whole nodes × 8 GPUs", calendar.Describe(calendar.DayMinFree[day]));
        Assert.Equal((true, 8, 16), (api.GetProperty("wholeNodes").GetBoolean(), api.GetProperty("gpusPerNode").GetInt32(),
            api.GetProperty("free")[day].GetInt32()));
    }

    private async Task<AvailabilityCalendarResult> CalendarAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AvailabilityQueries>().CalendarAsync(Region, Sku, hours: 24 * 12);
    }
}
