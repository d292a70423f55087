using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Spend;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Spend;

/// <summary>Usage records, leases and batches written straight into the database, as metering and the lease flow would.</summary>
public static class SpendKit
{
    public const long Dollar = Money.MicrosPerDollar;

    public static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);

    public static async Task UsageAsync(PortalFactory factory, Guid tenantId, DateTime hour, long amountMicros, string? sku = "h100-sxm-80gb",
        string? model = null, long gpuSeconds = 3600, long inputTokens = 0, long outputTokens = 0, string? sourceId = null)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(tenantId);
        db.UsageRecords.Add(new UsageRecord
        {
            TenantId = tenantId, PeriodStart = hour, Source = model is null ? UsageSource.Lease : UsageSource.Batch,
            SourceId = sourceId ?? (model is null ? Guid.NewGuid().ToString() : "batch_" + Guid.NewGuid().ToString("N")[..24]),
            SkuId = model is null ? sku : null, RegionId = model is null ? "us-south-1" : null, Model = model,
            GpuSeconds = model is null ? gpuSeconds : 0, InputTokens = inputTokens, OutputTokens = outputTokens, AmountMicros = amountMicros,
            RecordedAt = hour.AddHours(1),
        });
        await db.SaveChangesAsync();
    }

    public static async Task<Guid> LeaseAsync(PortalFactory factory, Guid tenantId, LeaseState state, DateTime start, DateTime end, int gpus,
        long microsPerGpuHour, DateTime? holdExpiresAt = null)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(tenantId);
        var lease = new Lease
        {
            TenantId = tenantId, RegionId = "us-south-1", SkuId = "h100-sxm-80gb", Gpus = gpus, Start = start, End = end, State = state,
            MicrosPerGpuHour = microsPerGpuHour, OnDemandMicrosPerGpuHour = microsPerGpuHour,
            PriceMicros = (long)(end - start).TotalHours * gpus * microsPerGpuHour, HoldExpiresAt = holdExpiresAt, CreatedAt = start.AddDays(-1),
            SignedAt = state == LeaseState.Held ? null : start.AddDays(-1),
        };
        db.Add(lease);
        await db.SaveChangesAsync();
        return lease.Id;
    }

    public static async Task<string> BatchAsync(PortalFactory factory, Guid tenantId, DateTime createdAt, BatchStatus status, long costMicros,
        int total, int done, DateTime? completedAt = null)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(tenantId);
        var batch = new Batch
        {
            Id = "batch_" + Guid.NewGuid().ToString("N")[..24], TenantId = tenantId, Endpoint = "/v1/embeddings", InputFileId = "file-x",
            Status = status, Model = "all-minilm-l6-v2", RequestTotal = total, RequestCompleted = done, CostMicros = costMicros,
            CreatedAt = createdAt, ExpiresAt = createdAt.AddHours(24), CompletedAt = completedAt,
        };
        db.Add(batch);
        await db.SaveChangesAsync();
        return batch.Id;
    }

    public static async Task LimitsAsync(PortalFactory factory, Guid tenantId, long? limit, long? ceiling = null, string? billingEmail = null)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.SpendLimitMicros, limit).SetProperty(t => t.SpendCeilingMicros, ceiling).SetProperty(t => t.BillingEmail, billingEmail));
    }

    public static async Task<MonthSpend> MonthAsync(LeaseFactory factory, Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(tenantId);
        return await MonthSpendReader.ReadAsync(db, tenantId, factory.Now, scope.ServiceProvider.GetRequiredService<IOptions<SpendOptions>>().Value);
    }
}
