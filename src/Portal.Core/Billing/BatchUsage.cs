using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>What batches used in a span of whole hours: the usage records <see cref="MeterUsageJob"/> writes for them.</summary>
internal static class BatchUsage
{
    /// <summary>
    /// One record per batch that finished (completed, cancelled or expired) in [hour, next), in the hour it finished, at its
    /// batch prices. A failed validation ran nothing.
    /// </summary>
    internal static async Task<List<UsageRecord>> RecordsAsync(PortalDbContext db, DateTime hour, DateTime next, CancellationToken ct)
    {
        var batches = await db.Batches.AsNoTracking()
            .Where(b => (b.Status == BatchStatus.Completed && b.CompletedAt >= hour && b.CompletedAt < next)
                || (b.Status == BatchStatus.Cancelled && b.CancelledAt >= hour && b.CancelledAt < next)
                || (b.Status == BatchStatus.Expired && b.ExpiredAt >= hour && b.ExpiredAt < next))
            .Where(b => b.InputTokens > 0 || b.OutputTokens > 0)
            .Select(b => new
            {
                b.Id, b.TenantId, b.Model, FinishedAt = b.CompletedAt ?? b.CancelledAt ?? b.ExpiredAt,
                b.InputTokens, b.OutputTokens, b.InputMicrosPerMillionTokens, b.OutputMicrosPerMillionTokens,
            })
            .ToListAsync(ct);
        return [.. batches.Select(b => new UsageRecord
        {
            TenantId = b.TenantId, PeriodStart = CancellationPolicy.FloorHour(b.FinishedAt!.Value), Source = UsageSource.Batch,
            SourceId = b.Id, Model = b.Model,
            InputTokens = b.InputTokens, OutputTokens = b.OutputTokens,
            AmountMicros = BatchRun.Cost(b.InputTokens, b.OutputTokens, b.InputMicrosPerMillionTokens, b.OutputMicrosPerMillionTokens),
        })];
    }
}
