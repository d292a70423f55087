using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Billing;

/// <summary>The hourly metering job through whole leases on a fake clock: one record per lease and hour, exact, whatever runs when.</summary>
public class MeteringTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private readonly BillingKit kit = new(factory);

    [Fact]
    public async Task A_lease_is_metered_hour_by_hour_at_its_locked_rate_and_stops_at_its_end()
    {
        kit.MoveTo();
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-south-1", "h100-sxm-80gb", 8, 4);
        var start = factory.ThisHour;

        for (var h = 1; h <= 4; h++)
        {
            kit.Advance(1);
            if (h == 4) await kit.EndAsync(lease.Id);
            await kit.MeterAsync();
            var records = await kit.RecordsAsync(tenantId);
            Assert.Equal(h, records.Count);
            var last = records[^1];
            Assert.Equal((start.AddHours(h - 1), UsageSource.Lease, lease.Id.ToString()), (last.PeriodStart, last.Source, last.SourceId));
            Assert.Equal((8 * 3600L, 8 * lease.MicrosPerGpuHour), (last.GpuSeconds, last.AmountMicros));
            Assert.Equal(("h100-sxm-80gb", "us-south-1"), (last.SkuId, last.RegionId));
        }
        Assert.Equal(LeaseState.Ended, (await kit.Leases.LoadAsync(lease.Id)).State);
        kit.Advance(3);
        await kit.MeterAsync();
        var all = await kit.RecordsAsync(tenantId);
        Assert.Equal(4, all.Count); // nothing after the end
        Assert.Equal(lease.PriceMicros, all.Sum(r => r.AmountMicros)); // the metered total is the signed price
    }

    [Fact]
    public async Task A_run_missed_for_five_hours_catches_up_every_hour_and_a_second_run_adds_nothing()
    {
        kit.MoveTo();
        await kit.MeterAsync(); // up to date before the downtime
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-south-1", "a100-80gb", 2, 6);

        kit.Advance(5); // the job server was down for five hours
        Assert.Equal(5, await kit.MeterAsync());
        var records = await kit.RecordsAsync(tenantId);
        Assert.Equal(Enumerable.Range(0, 5).Select(h => lease.Start.AddHours(h)), records.Select(r => DateTime.SpecifyKind(r.PeriodStart, DateTimeKind.Utc)));
        Assert.All(records, r => Assert.Equal(2 * lease.MicrosPerGpuHour, r.AmountMicros));

        Assert.Equal(0, await kit.MeterAsync());
        Assert.Equal(5, (await kit.RecordsAsync(tenantId)).Count);
        kit.Advance(1);
        await kit.EndAsync(lease.Id);
        await kit.MeterAsync();
        Assert.Equal(lease.PriceMicros, (await kit.RecordsAsync(tenantId)).Sum(r => r.AmountMicros));
    }

    [Fact]
    public async Task Two_runs_of_the_same_hours_at_once_write_each_record_once()
    {
        kit.MoveTo();
        await kit.MeterAsync();
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-south-1", "l40s-48gb", 4, 3);
        kit.Advance(3);
        await kit.EndAsync(lease.Id);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(kit.MeterAsync)));

        var records = await kit.RecordsAsync(tenantId);
        Assert.Equal(3, records.Count);
        Assert.Equal(lease.PriceMicros, records.Sum(r => r.AmountMicros));
    }

    [Fact]
    public async Task A_record_written_by_another_run_before_this_one_is_not_written_again()
    {
        kit.MoveTo();
        await kit.MeterAsync();
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-east-2", "l40s-48gb", 4, 2);
        var hour = factory.ThisHour;
        kit.Advance(1);
        // A run died after writing its records and before marking the hour done.
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            db.UsageRecords.Add(new UsageRecord
            {
                TenantId = tenantId, PeriodStart = hour, Source = UsageSource.Lease, SourceId = lease.Id.ToString(), SkuId = lease.SkuId,
                RegionId = lease.RegionId, GpuSeconds = 4 * 3600, AmountMicros = 4 * lease.MicrosPerGpuHour, RecordedAt = factory.Now,
            });
            await db.SaveChangesAsync();
        }

        Assert.Equal(1, await kit.MeterAsync());
        var records = await kit.RecordsAsync(tenantId);
        Assert.Single(records);
        Assert.Equal(4 * lease.MicrosPerGpuHour, records[0].AmountMicros);
    }

    [Fact]
    public async Task A_lease_across_a_month_boundary_is_split_into_its_months()
    {
        kit.MoveTo(new DateTime(2027, 3, 31, 20, 0, 0, DateTimeKind.Utc));
        await kit.MeterAsync();
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-east-2", "a100-80gb", 4, 8);
        kit.Advance(8);
        await kit.EndAsync(lease.Id);
        await kit.MeterAsync();

        var records = await kit.RecordsAsync(tenantId);
        var april = BillingKit.Month(2027, 4);
        var march = records.Where(r => r.PeriodStart < april).ToList();
        var aprilRecords = records.Where(r => r.PeriodStart >= april).ToList();
        Assert.Equal((4, 4 * 4 * 3600L), (march.Count, march.Sum(r => r.GpuSeconds)));
        Assert.Equal((4, 4 * 4 * 3600L), (aprilRecords.Count, aprilRecords.Sum(r => r.GpuSeconds)));
        Assert.Equal(16 * lease.MicrosPerGpuHour, aprilRecords.Sum(r => r.AmountMicros));
    }
}
