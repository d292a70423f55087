using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Capacity;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>The calendar every page draws counts holds and signed leases, and an expired hold is free at once.</summary>
public class LeaseAvailabilityTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2";
    private const string Sku = "l40s-48gb";

    [Fact]
    public async Task Held_capacity_leaves_the_calendar_and_comes_back_the_moment_the_hold_expires()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddDays(3);
        var before = await CalendarAsync();
        var hour = (int)(start - before.Start).TotalHours;

        await using (var member = await factory.As(tenantId, ownerId))
            await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 6, start, 5));

        var held = await CalendarAsync();
        Assert.Equal(before.HourFree[hour] - 6, held.HourFree[hour]);
        Assert.Equal(before.HourFree[hour + 5], held.HourFree[hour + 5]); // the hour after the window is untouched

        factory.Clock.Advance(TimeSpan.FromMinutes(10)); // no sweep has run
        var expired = await CalendarAsync();
        Assert.Equal(before.HourFree[hour], expired.HourFree[hour]);
    }

    [Fact]
    public async Task A_signed_lease_stays_out_of_the_calendar()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddDays(5);
        var before = await CalendarAsync();
        var hour = (int)(start - before.Start).TotalHours;
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var lease = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 3, start, 2));
            await member.Signing.SignAsync(lease.Id, "Grace Hopper", accepted: true);
        }
        factory.Clock.Advance(TimeSpan.FromMinutes(30));
        var after = await CalendarAsync();
        Assert.Equal(before.HourFree[hour] - 3, after.HourFree[hour]);
        Assert.Equal(before.HourFree[hour + 1] - 3, after.HourFree[hour + 1]);
        Assert.Equal(before.HourFree[hour + 2], after.HourFree[hour + 2]);
    }

    private async Task<AvailabilityCalendarResult> CalendarAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AvailabilityQueries>().CalendarAsync(Region, Sku, hours: 24 * 10);
    }
}
