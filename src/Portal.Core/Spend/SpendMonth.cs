using Portal.Core.Leases;

namespace Portal.Core.Spend;

/// <summary>
/// A tenant's spend in one UTC calendar month: what was spent so far and the forecast to the month's end, against
/// its monthly limit. Made by <see cref="SpendMonth.From"/>; the one definition the checks, the warnings and the
/// dashboard share.
/// </summary>
public sealed record MonthSpend(DateTime MonthStart, long SoFarMicros, long ForecastMicros, long LimitMicros,
    long? OwnerLimitMicros, long CeilingMicros, int RunningBatches)
{
    public DateTime MonthEnd => MonthStart.AddMonths(1);
    /// <summary>What may still be added this month before the forecast reaches the limit.</summary>
    public long LeftMicros => Math.Max(0, LimitMicros - ForecastMicros);
    public int PercentSoFar => LimitMicros <= 0 ? 100 : (int)Math.Min(999, SoFarMicros * 100 / LimitMicros);
}

/// <summary>A lease's hours to add (a new hold or an extension): GPUs at a rate over [Start, End).</summary>
public sealed record SpendAddition(DateTime Start, DateTime End, int Gpus, long MicrosPerGpuHour, Guid? ReplacesHeldExtensionsOf = null);

public static class SpendMonth
{
    public static DateTime StartOf(DateTime t) => new(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The effective monthly limit: the Owner's, never above the ceiling (Support's, or the default).</summary>
    public static (long Limit, long Ceiling) Limits(long? ownerLimit, long? ceiling, bool verified, SpendOptions options)
    {
        var c = options.CeilingFor(ceiling, verified);
        return (Math.Min(ownerLimit ?? c, c), c);
    }

    /// <summary>
    /// This month: usage records so far, plus lease hours since the last metered hour up to now, plus batch costs not yet
    /// metered; the forecast adds the leases' hours to the month's end at their locked rates and running batches' expected rest.
    /// </summary>
    public static MonthSpend From(SpendFacts f, DateTime now, SpendOptions options, Guid? excludeHeldExtensionsOf = null)
    {
        var monthStart = StartOf(now);
        var monthEnd = monthStart.AddMonths(1);
        var cut = MeteredUntil(f, monthStart);
        var from = cut > now ? cut : now;
        long usedUnmetered = 0, ahead = 0;
        foreach (var (s, e, gpus, rate) in Segments(f.Leases, excludeHeldExtensionsOf))
        {
            usedUnmetered += Cost(s, e, gpus, rate, cut, now);
            ahead += Cost(s, e, gpus, rate, from, monthEnd);
        }
        var soFar = f.MeteredMicros + Math.Max(0, f.UnmeteredBatchMicros) + usedUnmetered;
        var (limit, ceiling) = Limits(f.SpendLimitMicros, f.SpendCeilingMicros, f.Verified, options);
        return new MonthSpend(monthStart, soFar, soFar + ahead + Math.Max(0, f.RunningBatchRemainderMicros), limit,
            f.SpendLimitMicros, ceiling, f.RunningBatches);
    }

    /// <summary>A later month: only what leases signed (or held) for it will add.</summary>
    public static long CommittedIn(SpendFacts f, DateTime monthStart, Guid? excludeHeldExtensionsOf = null) =>
        Segments(f.Leases, excludeHeldExtensionsOf).Sum(x => Cost(x.Start, x.End, x.Gpus, x.Rate, monthStart, monthStart.AddMonths(1)));

    /// <summary>The first month an addition would pass the limit in, with what it adds there and what is left; null when it fits.</summary>
    public static (DateTime Month, long AddMicros, long LeftMicros, long LimitMicros)? FirstOverrun(SpendFacts f, DateTime now,
        SpendOptions options, SpendAddition add)
    {
        var current = From(f, now, options, add.ReplacesHeldExtensionsOf);
        for (var month = StartOf(add.Start < now ? now : add.Start); month < add.End; month = month.AddMonths(1))
        {
            var adds = Cost(add.Start, add.End, add.Gpus, add.MicrosPerGpuHour, month, month.AddMonths(1));
            var forecast = month == current.MonthStart ? current.ForecastMicros : CommittedIn(f, month, add.ReplacesHeldExtensionsOf);
            if (adds > 0 && forecast + adds > current.LimitMicros)
                return (month, adds, Math.Max(0, current.LimitMicros - forecast), current.LimitMicros);
        }
        return null;
    }

    /// <summary>Hours before this are in usage records: the hour after the last metered lease hour (or the month's start).</summary>
    private static DateTime MeteredUntil(SpendFacts f, DateTime monthStart) =>
        f.LastMeteredLeaseHour is { } h ? h.AddHours(1) : monthStart;

    private static IEnumerable<(DateTime Start, DateTime End, int Gpus, long Rate)> Segments(List<LeaseSpan> leases, Guid? excludeHeldExtensionsOf)
    {
        foreach (var l in leases)
        {
            // An early release stops the hours at the next whole hour (its allocations end there).
            var stop = l.ReleasedAt is { } r ? CancellationPolicy.CeilHour(r) : DateTime.MaxValue;
            var signed = l.Extensions.Where(x => x.State == AmendmentState.Signed).ToList();
            var ownEnd = signed.Count > 0 ? signed.Min(x => x.OldEnd) : l.End;
            yield return (l.Start, Min(ownEnd, stop), l.Gpus, l.MicrosPerGpuHour);
            foreach (var x in l.Extensions)
                if (x.State == AmendmentState.Signed || l.Id != excludeHeldExtensionsOf)
                    yield return (x.OldEnd, Min(x.NewEnd, stop), l.Gpus, x.MicrosPerGpuHour);
        }
    }

    /// <summary>GPUs at a rate over [start, end) ∩ [from, to), to the micro-dollar (seconds, so the hour in progress counts as used so far).</summary>
    public static long Cost(DateTime start, DateTime end, int gpus, long microsPerGpuHour, DateTime from, DateTime to)
    {
        var a = start > from ? start : from;
        var b = end < to ? end : to;
        if (b <= a) return 0;
        var seconds = (long)(b - a).TotalSeconds;
        return (long)((Int128)gpus * microsPerGpuHour * seconds / 3600);
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}

public static class MonthSpendReader
{
    /// <summary>The tenant's spend this month and its forecast (signed leases only, no quotes), in one query.</summary>
    public static async Task<MonthSpend> ReadAsync(Data.PortalDbContext db, Guid tenantId, DateTime now, SpendOptions options,
        CancellationToken ct = default)
    {
        var facts = await SpendFactsQuery.ReadAsync(db, tenantId, now, SpendMonth.StartOf(now).AddMonths(1), includeHolds: false, ct: ct);
        return SpendMonth.From(facts, now, options);
    }
}
