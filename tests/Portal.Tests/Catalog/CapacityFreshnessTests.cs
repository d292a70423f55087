using System.Text.RegularExpressions;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

/// <summary>
/// Issue 17: whatever the catalog pages cache or persist to be fast, a page read right after a lease takes GPUs shows them
/// taken, and right after the lease gives them back shows them free again.
/// </summary>
public sealed partial class CapacityFreshnessTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2", Sku = "b200-180gb";

    [Fact]
    public async Task The_availability_and_sku_pages_count_a_hold_at_once_and_its_cancellation_too()
    {
        using var client = factory.CreatePortalClient();
        var (calendarBefore, skuBefore) = (await FreeTodayOnCalendarAsync(client), await FreeTodayOnSkuPageAsync(client));

        var (tenantId, ownerId) = await factory.NewTenantAsync();
        Lease held;
        await using (var member = await factory.As(tenantId, ownerId))
            held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 4, factory.ThisHour.AddHours(1), 24));

        Assert.Equal(calendarBefore - 4, await FreeTodayOnCalendarAsync(client));
        Assert.Equal(skuBefore - 4, await FreeTodayOnSkuPageAsync(client));

        await using (var member = await factory.As(tenantId, ownerId))
            await member.Cancelling.CancelAsync(held.Id);

        Assert.Equal(calendarBefore, await FreeTodayOnCalendarAsync(client));
        Assert.Equal(skuBefore, await FreeTodayOnSkuPageAsync(client));
    }

    // Today's cell of the 90-day calendar: GPUs free all day (the span also carries the scoped-CSS attribute).
    private static async Task<int> FreeTodayOnCalendarAsync(PortalClient client) =>
        Number(FreeInCell().Match(await client.GetPageAsync($"/catalog/availability?region={Region}&sku={Sku}")));

    // The SKU page's "Free today" column, summed over its regions.
    private static async Task<int> FreeTodayOnSkuPageAsync(PortalClient client) =>
        FreeTodayColumn().Matches(await client.GetPageAsync($"/catalog/gpus/{Sku}")).Sum(Number);

    private static int Number(Match m)
    {
        Assert.True(m.Success, "The page shows no free figure.");
        return int.Parse(m.Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("class=\"availability-free\"[^>]*>([\\d,]+)<")]
    private static partial Regex FreeInCell();

    [GeneratedRegex("data-label=\"Free today\"[^>]*>([\\d,]+)<")]
    private static partial Regex FreeTodayColumn();
}
