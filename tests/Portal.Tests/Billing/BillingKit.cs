using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.Billing;

/// <summary>What the billing tests share: leases through the real services, the metering and invoicing jobs, reads behind the portal's back.</summary>
public sealed class BillingKit(LeaseFactory factory)
{
    public LifecycleKit Leases { get; } = new(factory);

    /// <summary>Moves the clock to the next whole hour (or <paramref name="at"/>), so that a lease starting now runs whole hours.</summary>
    public void MoveTo(DateTime? at = null)
    {
        var target = at ?? factory.ThisHour.AddHours(1);
        Assert.True(target >= factory.Now, $"The shared clock is already past {target:u}.");
        factory.Clock.Advance(target - factory.Now);
    }

    public void Advance(double hours) => factory.Clock.Advance(TimeSpan.FromHours(hours));

    public async Task<int> MeterAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MeterUsageJob>().RunAsync();
    }

    public async Task<int> IssueAsync(DateTime? period = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var job = scope.ServiceProvider.GetRequiredService<IssueInvoicesJob>();
        return period is { } p ? await job.RunForMonthAsync(p) : await job.RunAsync();
    }

    public async Task<List<UsageRecord>> RecordsAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.UsageRecords.AsNoTracking().Where(r => r.TenantId == tenantId).OrderBy(r => r.PeriodStart).ThenBy(r => r.SourceId).ToListAsync();
    }

    public async Task<List<Invoice>> InvoicesAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Invoices.AsNoTracking().Include(i => i.Lines.OrderBy(l => l.Position)).Where(i => i.TenantId == tenantId)
            .OrderBy(i => i.CreatedAt).ThenBy(i => i.Number).ToListAsync();
    }

    /// <summary>An active lease starting at the current whole hour.</summary>
    public Task<Lease> ActiveLeaseAsync(Guid tenantId, string ownerId, string region, string sku, int gpus, int hours) =>
        Leases.ActiveAsync(tenantId, ownerId, new LeaseRequest(region, sku, gpus, factory.ThisHour, hours));

    /// <summary>Runs the jobs that end a lease whose end has come.</summary>
    public Task EndAsync(Guid leaseId) => Leases.RunAsync<EndLeaseJob>(j => j.RunAsync(leaseId));

    /// <summary>The pool reports the node failed; the portal learns it and moves or credits what was on it.</summary>
    public async Task FailNodeAsync(string nodeId)
    {
        await Leases.InjectAsync($"pool/nodes/{nodeId}/state", new { state = "Failed" });
        await Leases.RunAsync<SyncNodeStatesJob>(j => j.RunAsync());
        await Leases.RunAsync<NodeFailureJob>(j => j.RunAsync(nodeId));
    }

    public async Task<Credit> AddCreditRowAsync(Guid tenantId, long micros, CreditKind kind = CreditKind.Goodwill, string reason = "test credit")
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var credit = new Credit { TenantId = tenantId, AmountMicros = micros, Kind = kind, Reason = reason, CreatedByName = "test", CreatedAt = factory.Now };
        db.Credits.Add(credit);
        await db.SaveChangesAsync();
        return credit;
    }

    public static DateTime Month(int year, int month) => new(year, month, 1, 0, 0, 0, DateTimeKind.Utc);
}
