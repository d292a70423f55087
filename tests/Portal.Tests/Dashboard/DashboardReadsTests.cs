using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Tenancy;
using static Portal.Tests.Spend.SpendKit;
using static Portal.Tests.Spend.UsagePageTests;

namespace Portal.Tests.Dashboard;

/// <summary>
/// The dashboard's cost does not grow with the month's usage: the month so far is summed by the database (it read every
/// usage record of the month, ~4,000 by the 7th for a tenant with 25 running leases, most of the page's CPU), and its reads
/// share connections instead of opening one each.
/// </summary>
public class DashboardReadsTests(ReadCountingFactory factory) : IClassFixture<ReadCountingFactory>
{
    [Fact]
    public async Task The_dashboard_shows_the_month_s_spend_without_reading_the_month_s_usage_records()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        // 400 hourly records this month: 50 leases' first eight hours of March, $1 each.
        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope).ForTenant(tenantId);
            for (var lease = 0; lease < 50; lease++)
                for (var hour = 0; hour < 8; hour++)
                    db.UsageRecords.Add(new UsageRecord
                    {
                        TenantId = tenantId, PeriodStart = Utc(2027, 3, 1, hour), Source = UsageSource.Lease, SourceId = $"lease-{lease}",
                        SkuId = "h100-sxm-80gb", RegionId = "us-south-1", GpuSeconds = 3600, AmountMicros = Dollar, RecordedAt = Utc(2027, 3, 1, hour + 1),
                    });
            // The hourly meter wrote them: those hours are metered (else the live part would recheck them all).
            for (var hour = 0; hour < 8; hour++)
                db.MeteredHours.Add(new MeteredHour { Hour = Utc(2027, 3, 1, hour), MeteredAt = Utc(2027, 3, 1, hour + 1, 1) });
            await db.SaveChangesAsync();
        }
        var viewer = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, viewer, TenantRole.Viewer);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(viewer.Email!);

        factory.Reads.Reset();
        var dashboard = await client.GetPageAsync("/");

        Assert.Equal("$400.00", Figure(dashboard, "spend-so-far"));
        Assert.True(factory.Reads.Rows < 100, $"The dashboard read {factory.Reads.Rows} rows for a month of 400 usage records.");
        // Sign-in check, tenant, notification bell, the page's counts, the spend summary: one connection each at most.
        Assert.True(factory.Reads.Opened <= 6, $"The dashboard opened {factory.Reads.Opened} connections.");
    }
}
