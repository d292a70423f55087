using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Leases;

namespace Portal.Core.Spend;

/// <summary>
/// Everything the month's spend is computed from, read in ONE query (the lease hold path is benchmarked): the tenant's
/// limit and ceiling, what metering recorded this month, what batches cost beyond it, and the leases that still add
/// hours from the last metered hour on. Optionally the GPU quota check's figures, so the hold makes no extra trip.
/// </summary>
public sealed class SpendFacts
{
    public long? SpendLimitMicros { get; set; }
    public long? SpendCeilingMicros { get; set; }
    public bool Verified { get; set; }
    /// <summary>Live quotes: held leases and held extensions (but those of <see cref="QuotaQuestion.ExceptLeaseId"/>).</summary>
    public int OpenHolds { get; set; }
    /// <summary>Usage records of the month, every source.</summary>
    public long MeteredMicros { get; set; }
    /// <summary>The latest hour metered for a lease this month (null: none yet).</summary>
    public DateTime? LastMeteredLeaseHour { get; set; }
    /// <summary>What batches of the month cost beyond their usage records (metering runs hourly; batch costs are live).</summary>
    public long UnmeteredBatchMicros { get; set; }
    /// <summary>Running batches' expected remaining cost: their cost so far per finished line, times the lines left.</summary>
    public long RunningBatchRemainderMicros { get; set; }
    public int RunningBatches { get; set; }
    public int? QuotaGpus { get; set; }
    /// <summary>GPUs of the SKU the tenant has in the window: open leases, live held leases, live held extensions.</summary>
    public int OverlappingGpus { get; set; }
    public List<LeaseSpan> Leases { get; set; } = [];
}

/// <summary>A lease that adds hours to the window: its own term at its locked rate and its extensions at theirs.</summary>
public sealed class LeaseSpan
{
    public Guid Id { get; set; }
    public DateTime Start { get; set; }
    public DateTime End { get; set; }
    public int Gpus { get; set; }
    public long MicrosPerGpuHour { get; set; }
    public LeaseState State { get; set; }
    public DateTime? ReleasedAt { get; set; }
    public List<ExtensionSpan> Extensions { get; set; } = [];
}

public sealed class ExtensionSpan
{
    public DateTime OldEnd { get; set; }
    public DateTime NewEnd { get; set; }
    public long MicrosPerGpuHour { get; set; }
    public AmendmentState State { get; set; }
}

/// <summary>
/// What a quota check asks beside the spend: GPUs of one SKU over a window. <see cref="ExceptLeaseId"/>: a lease whose
/// held extension is being replaced (an extension quote), so neither that hold nor its GPUs count twice.
/// </summary>
public sealed record QuotaQuestion(string SkuId, DateTime Start, DateTime End, Guid? ExceptLeaseId = null);

public static class SpendFactsQuery
{
    private static readonly LeaseState[] SpendingStates =
        [LeaseState.PendingApproval, LeaseState.Scheduled, LeaseState.Provisioning, LeaseState.Active, LeaseState.Ending, LeaseState.Ended];
    private static readonly BatchStatus[] RunningStatuses = [BatchStatus.InProgress, BatchStatus.Finalizing];

    /// <summary>
    /// The facts for the month of <paramref name="now"/>, with leases up to <paramref name="until"/>. Live holds (quotes)
    /// count when <paramref name="includeHolds"/>: a check must see them (two quotes must not both fit), a forecast not.
    /// A compiled query: every hold runs it, and building and looking up an expression tree this size cost more CPU than
    /// the database spends on it.
    /// </summary>
    public static Task<SpendFacts> ReadAsync(PortalDbContext db, Guid tenantId, DateTime now, DateTime until, bool includeHolds,
        QuotaQuestion? quota = null, CancellationToken ct = default)
    {
        var (skuId, qStart, qEnd) = quota is { } q ? (q.SkuId, q.Start, q.End) : ("", DateTime.MinValue, DateTime.MinValue);
        return Compiled(db, tenantId, now, SpendMonth.StartOf(now), until, includeHolds, skuId, qStart, qEnd, quota?.ExceptLeaseId ?? Guid.Empty, ct);
    }

    // The parameters are named as the query's variables were before it was compiled, so its body reads as it did.
    private static readonly Func<PortalDbContext, Guid, DateTime, DateTime, DateTime, bool, string, DateTime, DateTime, Guid, CancellationToken,
        Task<SpendFacts>> Compiled = EF.CompileAsyncQuery(
            (PortalDbContext db, Guid tenantId, DateTime now, DateTime monthStart, DateTime until, bool includeHolds, string skuId,
                DateTime qStart, DateTime qEnd, Guid exceptLease, CancellationToken ct) =>
        db.Tenants.Where(t => t.Id == tenantId).Select(t => new SpendFacts
        {
            SpendLimitMicros = t.SpendLimitMicros,
            SpendCeilingMicros = t.SpendCeilingMicros,
            Verified = t.Verified,
            // Expired holds are free at once (the minutely sweep may not have marked them yet), so only live ones count.
            OpenHolds = db.Leases.Count(l => l.TenantId == tenantId && l.State == LeaseState.Held && l.HoldExpiresAt > now)
                        + db.Set<LeaseAmendment>().Count(a => a.TenantId == tenantId && a.State == AmendmentState.Held && a.HoldExpiresAt > now
                                                               && a.LeaseId != exceptLease),
            MeteredMicros = db.UsageRecords.Where(u => u.TenantId == tenantId && u.PeriodStart >= monthStart).Sum(u => u.AmountMicros),
            LastMeteredLeaseHour = db.UsageRecords
                .Where(u => u.TenantId == tenantId && u.Source == UsageSource.Lease && u.PeriodStart >= monthStart)
                .Max(u => (DateTime?)u.PeriodStart),
            UnmeteredBatchMicros = db.Batches
                .Where(b => b.TenantId == tenantId && (b.CreatedAt >= monthStart || b.CompletedAt >= monthStart || b.CancelledAt >= monthStart
                            || b.ExpiredAt >= monthStart || b.FailedAt >= monthStart
                            || (b.CompletedAt == null && b.CancelledAt == null && b.ExpiredAt == null && b.FailedAt == null)))
                .Sum(b => b.CostMicros - db.UsageRecords
                    .Where(u => u.TenantId == tenantId && u.Source == UsageSource.Batch && u.SourceId == b.Id && u.PeriodStart >= b.CreatedAt)
                    .Sum(u => u.AmountMicros)),
            RunningBatchRemainderMicros = db.Batches
                .Where(b => b.TenantId == tenantId && RunningStatuses.Contains(b.Status) && b.RequestCompleted + b.RequestFailed > 0)
                .Sum(b => b.CostMicros * (b.RequestTotal - b.RequestCompleted - b.RequestFailed) / (b.RequestCompleted + b.RequestFailed)),
            RunningBatches = db.Batches.Count(b => b.TenantId == tenantId && (RunningStatuses.Contains(b.Status) || b.Status == BatchStatus.Validating)),
            QuotaGpus = db.Set<GpuQuota>().Where(g => g.TenantId == tenantId && g.SkuId == skuId).Select(g => (int?)g.MaxGpus).FirstOrDefault(),
            OverlappingGpus = db.Leases
                .Where(l => l.TenantId == tenantId && l.SkuId == skuId && Lease.OpenStates.Contains(l.State) && l.Start < qEnd && l.End > qStart
                            && (l.State != LeaseState.Held || l.HoldExpiresAt > now))
                .Sum(l => l.Gpus)
                // A held extension holds its lease's GPUs past the lease's end, like a quote.
                + (from a in db.Set<LeaseAmendment>()
                   join l in db.Leases on a.LeaseId equals l.Id
                   where a.TenantId == tenantId && a.State == AmendmentState.Held && a.HoldExpiresAt > now && a.LeaseId != exceptLease
                         && l.SkuId == skuId && Lease.OpenStates.Contains(l.State) && a.OldEnd < qEnd && a.NewEnd > qStart
                   select l.Gpus).Sum(),
            Leases = db.Leases
                .Where(l => l.TenantId == t.Id && l.Start < until
                            && l.End > (db.UsageRecords.Where(u => u.TenantId == tenantId && u.Source == UsageSource.Lease && u.PeriodStart >= monthStart)
                                .Max(u => (DateTime?)u.PeriodStart) ?? monthStart)
                            && (SpendingStates.Contains(l.State) || (includeHolds && l.State == LeaseState.Held && l.HoldExpiresAt > now)))
                .Select(l => new LeaseSpan
                {
                    Id = l.Id, Start = l.Start, End = l.End, Gpus = l.Gpus, MicrosPerGpuHour = l.MicrosPerGpuHour, State = l.State,
                    ReleasedAt = l.ReleasedAt,
                    Extensions = l.Amendments
                        .Where(a => a.State == AmendmentState.Signed || (includeHolds && a.State == AmendmentState.Held && a.HoldExpiresAt > now))
                        .Select(a => new ExtensionSpan { OldEnd = a.OldEnd, NewEnd = a.NewEnd, MicrosPerGpuHour = a.MicrosPerGpuHour, State = a.State })
                        .ToList(),
                }).ToList(),
        }).First());
}
