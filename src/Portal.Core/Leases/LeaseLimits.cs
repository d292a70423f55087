using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Spend;

namespace Portal.Core.Leases;

/// <summary>
/// The organisation's limits on a new hold (a quote or an extension quote): open holds, GPU quota and monthly spend,
/// checked under the tenant's lock inside the caller's pool transaction.
/// </summary>
public sealed class LeaseLimits(TimeProvider time, IOptions<LeaseOptions> options, IOptions<SpendOptions> spendOptions)
{
    private LeaseOptions Options => options.Value;

    /// <summary>
    /// A new hold (a quote or an extension quote) against the organisation's limits, in one query under the tenant's lock:
    /// its open holds (<see cref="LeaseOptions.MaxOpenHolds"/>), its GPU quota for the SKU (live holds count like signed
    /// leases), and its monthly spend limit: refused when the hours in any month they touch would take that month's
    /// forecast past the limit (<see cref="SpendMonth"/>; a lease into next month counts only its hours in each month).
    /// </summary>
    /// <paramref name="tenantLocked"/>: the caller's transaction already holds the tenant's turn
    /// (<see cref="Pool.PoolTransaction.BeginWithTenantAsync"/>).
    internal async Task CheckAsync(PortalDbContext db, Guid tenantId, QuotaQuestion quota, int gpus, SpendAddition add, CancellationToken ct,
        bool tenantLocked = false)
    {
        // The pool lock serialises one pool only; the tenant's turn (always taken after the pool's, so no two transactions
        // wait on each other) makes quotes of one tenant in two pools at once unable to both fit under its limits.
        if (!tenantLocked) await db.Locks.LockTenantAsync(db, tenantId, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var facts = await SpendFactsQuery.ReadAsync(db, tenantId, now, add.End, includeHolds: true, quota, ct);
        var what = quota.ExceptLeaseId is null ? "This lease" : "This extension";

        if (facts.OpenHolds >= Options.MaxOpenHolds)
            throw new LeaseException("too_many_holds",
                $"Your organisation already has {facts.OpenHolds} quotes on hold, the most it may have at once ({Options.MaxOpenHolds}). " +
                $"Sign one, discard one (Discard on its Review & sign page), or let it lapse (a hold lasts {Options.HoldMinutes} minutes), then quote again.");

        var maxGpus = Options.QuotaFor(facts.QuotaGpus, facts.Verified);
        if (facts.OverlappingGpus + gpus > maxGpus)
            throw new LeaseException("quota_exceeded",
                $"{what} would make {Counted.Of(facts.OverlappingGpus + gpus, quota.SkuId + " GPU")} at once, quotes on hold included; " +
                $"your organisation's quota is {maxGpus} " +
                $"({Math.Max(0, maxGpus - facts.OverlappingGpus)} left for that window). " +
                (facts.QuotaGpus is null && !facts.Verified
                    ? "New organisations start with a low quota until Support verifies them: contact Support to verify yours and raise it."
                    : "Ask Support to raise it."));

        if (SpendMonth.FirstOverrun(facts, now, spendOptions.Value, add) is { } over)
        {
            var when = over.Month == SpendMonth.StartOf(now) ? "this month" : $"in {over.Month:MMMM yyyy}";
            var ceiling = spendOptions.Value.CeilingFor(facts.SpendCeilingMicros, facts.Verified);
            var raise = over.LimitMicros < ceiling
                ? "An Owner can raise the limit in the organisation's settings."
                : facts.SpendCeilingMicros is null && !facts.Verified
                    ? $"That is the {Money.Format(ceiling)} ceiling of organisations Support has not verified yet: " +
                      "contact Support to verify yours and raise it."
                    : $"That is your organisation's ceiling ({Money.Format(ceiling)}): contact Support to raise it.";
            throw new LeaseException("spend_limit_exceeded",
                $"{what} would add {Money.Format(over.AddMicros)} {when}; {Money.Format(over.LeftMicros)} of your " +
                $"{Money.Format(over.LimitMicros)} monthly limit is left{(when == "this month" ? "" : " for that month")}. {raise}");
        }
    }
}
