using Portal.Core.Batches;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Spend.SpendKit;

namespace Portal.Tests.Spend;

/// <summary>The month's spend and forecast: usage records, unmetered hours, signed leases to the month's end, running batches.</summary>
public class SpendForecastTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task The_forecast_adds_signed_leases_at_their_rates_to_the_month_end_and_running_batches_rest_to_what_was_spent()
    {
        var now = Utc(2027, 3, 10, 12, 30);
        if (factory.Now < now) factory.Clock.SetUtcNow(now);
        Assert.Equal(now, factory.Now); // (this class's other test leaves the clock alone)
        var (tenantId, _) = await factory.NewTenantAsync();
        await LimitsAsync(factory, tenantId, limit: 1_000 * Dollar);

        await UsageAsync(factory, tenantId, Utc(2027, 2, 28, 23), 999 * Dollar);          // last month: not this month's
        await UsageAsync(factory, tenantId, Utc(2027, 3, 10, 10), 100 * Dollar);          // metered up to 11:00
        await LeaseAsync(factory, tenantId, LeaseState.Active, Utc(2027, 3, 9), Utc(2027, 3, 12), 2, 2 * Dollar);
        await LeaseAsync(factory, tenantId, LeaseState.Scheduled, Utc(2027, 3, 31, 20), Utc(2027, 4, 1, 4), 1, 1 * Dollar);
        await LeaseAsync(factory, tenantId, LeaseState.Held, Utc(2027, 3, 20), Utc(2027, 3, 20, 10), 10, 10 * Dollar, holdExpiresAt: now.AddMinutes(5));
        await LeaseAsync(factory, tenantId, LeaseState.Cancelled, Utc(2027, 3, 15), Utc(2027, 3, 16), 8, 10 * Dollar);
        await BatchAsync(factory, tenantId, Utc(2027, 3, 10, 12), BatchStatus.InProgress, 10 * Dollar, total: 40, done: 10);
        await BatchAsync(factory, tenantId, Utc(2027, 2, 20), BatchStatus.Completed, 50 * Dollar, 10, 10, completedAt: Utc(2027, 2, 20, 3));
        var metered = await BatchAsync(factory, tenantId, Utc(2027, 3, 5), BatchStatus.Completed, 20 * Dollar, 10, 10, completedAt: Utc(2027, 3, 5, 2));
        await UsageAsync(factory, tenantId, Utc(2027, 3, 5, 1), 20 * Dollar, model: "all-minilm-l6-v2", sourceId: metered);

        var month = await MonthAsync(factory, tenantId);

        // So far: $120 metered + 1.5 h × 2 GPUs × $2 since the last metered hour + the running batch's $10 not yet metered.
        Assert.Equal(136 * Dollar, month.SoFarMicros);
        // Forecast: + 35.5 h × $4 to the active lease's end + 4 h of the lease into April + the batch's 30 lines left at $1 each.
        Assert.Equal((136 + 142 + 4 + 30) * Dollar, month.ForecastMicros);
        Assert.Equal(1_000 * Dollar, month.LimitMicros);
        Assert.Equal(688 * Dollar, month.LeftMicros);
        Assert.Equal(Utc(2027, 3, 1), month.MonthStart);

        // Support's ceiling caps the Owners' limit.
        await LimitsAsync(factory, tenantId, limit: 1_000 * Dollar, ceiling: 300 * Dollar);
        var capped = await MonthAsync(factory, tenantId);
        Assert.Equal(300 * Dollar, capped.LimitMicros);
        Assert.Equal(0, capped.LeftMicros);
    }

    [Fact]
    public async Task A_lease_across_the_month_end_counts_only_its_hours_in_each_month()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var owner = await factory.As(tenantId, ownerId);
        var monthEnd = new DateTime(factory.Now.Year, factory.Now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        var across = new LeaseRequest("us-south-1", "a100-80gb", 2, monthEnd.AddHours(-4), 8);
        var rate = (await owner.Availability.CheckAsync(across)).Price!.MicrosPerGpuHour;
        // Room for 5 h of 2 GPUs a month: the 8 h lease fits, 4 h on each side of the month end.
        await LimitsAsync(factory, tenantId, limit: 5 * 2 * rate);

        var held = await owner.Quoting.HoldAsync(across);
        Assert.Equal(8L * 2 * rate, held.PriceMicros);

        var nextMonth = await Assert.ThrowsAsync<LeaseException>(() =>
            owner.Quoting.HoldAsync(new LeaseRequest("us-south-1", "a100-80gb", 2, monthEnd.AddHours(10), 2)));
        Assert.Equal("spend_limit_exceeded", nextMonth.Code);
        Assert.Contains($"in {monthEnd:MMMM yyyy}; {Money.Format(2 * rate)} of your {Money.Format(10 * rate)} monthly limit is left for that month",
            nextMonth.Message);
        // This month still has 1 h of 2 GPUs left: one GPU for an hour fits.
        await owner.Quoting.HoldAsync(new LeaseRequest("us-south-1", "a100-80gb", 1, monthEnd.AddHours(-10), 1));
    }
}
