using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Core.Billing;

/// <summary>
/// Makes a tenant's invoice for one month from what is in the database: the month's usage records (a line per
/// lease, a line per model), the cancellation and early-release fees charged that month, a note for GPU-hours lost
/// to failed nodes (never charged), then the tenant's credits not yet used, oldest first, up to the subtotal (what
/// is left of a credit carries over). Nothing to bill: no invoice.
/// </summary>
public static class InvoiceBuilder
{
    /// <param name="live">The draft's records the meter has not written yet (<see cref="MonthToDate.Live"/>); none for a real invoice.</param>
    public static async Task<Invoice?> BuildAsync(PortalDbContext db, Guid tenantId, DateTime periodStart, DateTime now, CancellationToken ct,
        IReadOnlyCollection<UsageRecord>? live = null)
    {
        var periodEnd = periodStart.AddMonths(1);
        var lines = new List<InvoiceLine>();
        var unwritten = (live ?? []).Where(r => r.TenantId == tenantId && r.PeriodStart >= periodStart && r.PeriodStart < periodEnd).ToList();
        lines.AddRange(await LeaseLinesAsync(db, tenantId, periodStart, periodEnd, unwritten, ct));
        lines.AddRange(await ModelLinesAsync(db, tenantId, periodStart, periodEnd, unwritten, ct));
        lines.AddRange(await FeeAndSlaLinesAsync(db, tenantId, periodStart, periodEnd, ct));
        if (lines.Count == 0) return null;

        var invoice = new Invoice
        {
            TenantId = tenantId, Number = "", PeriodStart = periodStart, State = InvoiceState.Issued, CreatedAt = now, IssuedAt = now,
            SubtotalMicros = lines.Sum(l => l.AmountMicros),
        };
        for (var i = 0; i < lines.Count; i++) (lines[i].Position, lines[i].TenantId) = (i + 1, tenantId);
        invoice.Lines = lines;
        await ApplyCreditsAsync(db, invoice, ct);
        invoice.TotalMicros = invoice.SubtotalMicros - invoice.CreditsMicros;
        // Nothing to pay is settled at once: the tenant is not asked to pay $0.00.
        if (invoice.TotalMicros == 0) invoice.State = InvoiceState.Paid;
        if (invoice.TotalMicros == 0) invoice.PaidAt = now;
        return invoice;
    }

    /// <summary>Credits with something left (applications to void invoices do not count), oldest first, until the subtotal is covered.</summary>
    private static async Task ApplyCreditsAsync(PortalDbContext db, Invoice invoice, CancellationToken ct)
    {
        var credits = await db.Credits.Where(c => c.TenantId == invoice.TenantId).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new
            {
                Credit = c,
                Used = db.CreditApplications.Where(a => a.CreditId == c.Id)
                    .Join(db.Invoices, a => a.InvoiceId, i => i.Id, (a, i) => new { a.AmountMicros, i.State })
                    .Where(x => x.State != InvoiceState.Void).Sum(x => (long?)x.AmountMicros) ?? 0,
            }).ToListAsync(ct);
        var due = invoice.SubtotalMicros;
        foreach (var c in credits)
        {
            var left = c.Credit.AmountMicros - c.Used;
            if (due == 0) break;
            if (left <= 0) continue;
            var take = Math.Min(left, due);
            db.CreditApplications.Add(
                new CreditApplication { TenantId = invoice.TenantId, CreditId = c.Credit.Id, InvoiceId = invoice.Id, AmountMicros = take });
            c.Credit.Version++; // two invoices spending the same credit at once: one of them fails and builds again
            due -= take;
            invoice.CreditsMicros += take;
        }
    }

    private static async Task<List<InvoiceLine>> LeaseLinesAsync(PortalDbContext db, Guid tenantId, DateTime from, DateTime to,
        List<UsageRecord> live, CancellationToken ct)
    {
        var stored = await db.UsageRecords.Where(r => r.TenantId == tenantId && r.Source == UsageSource.Lease && r.PeriodStart >= from && r.PeriodStart < to)
            .GroupBy(r => r.SourceId).Select(g => new { LeaseId = g.Key, GpuSeconds = g.Sum(r => r.GpuSeconds), Amount = g.Sum(r => r.AmountMicros) })
            .ToListAsync(ct);
        var usage = stored.Concat(live.Where(r => r.Source == UsageSource.Lease)
                .Select(r => new { LeaseId = r.SourceId, r.GpuSeconds, Amount = r.AmountMicros }))
            .GroupBy(u => u.LeaseId).Select(g => new { LeaseId = g.Key, GpuSeconds = g.Sum(u => u.GpuSeconds), Amount = g.Sum(u => u.Amount) }).ToList();
        var ids = usage.Select(u => Guid.Parse(u.LeaseId)).ToList();
        var leases = await db.Leases.Where(l => ids.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);
        var skus = await SkuNamesAsync(db, ct);
        return [.. usage.Select(u => (Usage: u, Lease: leases[Guid.Parse(u.LeaseId)]))
            .OrderBy(x => x.Lease.Start).ThenBy(x => x.Lease.Id)
            .Select(x => new InvoiceLine
            {
                Kind = InvoiceLineKind.Lease, LeaseId = x.Lease.Id, SkuId = x.Lease.SkuId, RegionId = x.Lease.RegionId,
                Description = $"{x.Lease.Gpus} × {skus.GetValueOrDefault(x.Lease.SkuId, x.Lease.SkuId)} in {x.Lease.RegionId}, " +
                    $"lease {Short(x.Lease.Id)} ({Window(x.Lease)})",
                GpuSeconds = x.Usage.GpuSeconds, AmountMicros = x.Usage.Amount,
                MicrosPerGpuHour = (x.Usage.GpuSeconds * x.Lease.MicrosPerGpuHour + 1800) / 3600 == x.Usage.Amount ? x.Lease.MicrosPerGpuHour : null,
            })];
    }

    private static async Task<List<InvoiceLine>> ModelLinesAsync(PortalDbContext db, Guid tenantId, DateTime from, DateTime to,
        List<UsageRecord> live, CancellationToken ct)
    {
        var stored = await db.UsageRecords.Where(r => r.TenantId == tenantId && r.Source == UsageSource.Batch && r.PeriodStart >= from && r.PeriodStart < to)
            .GroupBy(r => r.Model).Select(g => new
            {
                Model = g.Key, Batches = g.Count(), Input = g.Sum(r => r.InputTokens), Output = g.Sum(r => r.OutputTokens), Amount = g.Sum(r => r.AmountMicros),
            }).ToListAsync(ct);
        var usage = stored.Concat(live.Where(r => r.Source == UsageSource.Batch)
                .Select(r => new { r.Model, Batches = 1, Input = r.InputTokens, Output = r.OutputTokens, Amount = r.AmountMicros }))
            .GroupBy(u => u.Model).Select(g => new
            {
                Model = g.Key, Batches = g.Sum(u => u.Batches), Input = g.Sum(u => u.Input), Output = g.Sum(u => u.Output), Amount = g.Sum(u => u.Amount),
            }).ToList();
        return [.. usage.OrderBy(u => u.Model).Select(u => new InvoiceLine
        {
            Kind = InvoiceLineKind.Model, Model = u.Model, InputTokens = u.Input, OutputTokens = u.Output, AmountMicros = u.Amount,
            Description = $"{u.Model ?? "unknown model"}: batch inference, {u.Batches} batch{(u.Batches == 1 ? "" : "es")}",
        })];
    }

    /// <summary>Fees of leases cancelled or released early this month; and, in the month a degraded lease ends, what it lost.</summary>
    private static async Task<List<InvoiceLine>> FeeAndSlaLinesAsync(PortalDbContext db, Guid tenantId, DateTime from, DateTime to, CancellationToken ct)
    {
        var leases = await db.Leases.Where(l => l.TenantId == tenantId
                && ((l.CancellationFeeMicros > 0 && ((l.CancelledAt >= from && l.CancelledAt < to) || (l.ReleasedAt >= from && l.ReleasedAt < to)))
                    || (l.LostGpuHours > 0 && l.ActivatedAt != null && (l.ReleasedAt ?? l.End) > from && (l.ReleasedAt ?? l.End) <= to)))
            .OrderBy(l => l.Start).ThenBy(l => l.Id).ToListAsync(ct);
        var skus = await SkuNamesAsync(db, ct);
        var lines = new List<InvoiceLine>();
        foreach (var l in leases.Where(l => l.CancellationFeeMicros > 0 && In(l.CancelledAt ?? l.ReleasedAt, from, to)))
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLineKind.CancellationFee, LeaseId = l.Id, SkuId = l.SkuId, RegionId = l.RegionId, AmountMicros = l.CancellationFeeMicros,
                Description = $"{(l.ReleasedAt is null ? "Cancellation" : "Early-release")} fee: {l.Gpus} × {skus.GetValueOrDefault(l.SkuId, l.SkuId)}, " +
                    $"lease {Short(l.Id)} ({Window(l)})",
            });
        foreach (var l in leases.Where(l => l.LostGpuHours > 0 && l.ActivatedAt != null))
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLineKind.SlaNote, LeaseId = l.Id, SkuId = l.SkuId, RegionId = l.RegionId, GpuSeconds = l.LostGpuHours * 3600L,
                MicrosPerGpuHour = l.MicrosPerGpuHour, NotChargedMicros = l.CreditMicros, AmountMicros = 0,
                Description = $"SLA credit: {l.LostGpuHours} GPU-hours of lease {Short(l.Id)} lost to a failed node, not charged " +
                    $"({Money.Format(l.CreditMicros)})",
            });
        return lines;
    }

    private static bool In(DateTime? t, DateTime from, DateTime to) => t is { } v && v >= from && v < to;
    private static Task<Dictionary<string, string>> SkuNamesAsync(PortalDbContext db, CancellationToken ct) =>
        db.GpuSkus.ToDictionaryAsync(s => s.Id, s => s.Name, ct);
    public static string Short(Guid id) => id.ToString("N")[^8..];
    private static string Window(Lease l) => $"{l.Start:yyyy-MM-dd HH:mm} to {l.End:yyyy-MM-dd HH:mm} UTC";

    /// <summary>The next free number of a period: <c>INV-2026-11-0001</c>. Two writers may pick the same; the unique index makes one retry.</summary>
    public static async Task<string> NextNumberAsync(PortalDbContext db, DateTime periodStart, CancellationToken ct)
    {
        var prefix = $"INV-{periodStart:yyyy-MM}-";
        var numbers = await db.Invoices.IgnoreQueryFilters().Where(i => i.Number.StartsWith(prefix)).Select(i => i.Number).ToListAsync(ct);
        var last = numbers.Select(n => int.TryParse(n[prefix.Length..], out var k) ? k : 0).DefaultIfEmpty(0).Max();
        return $"{prefix}{last + 1:D4}";
    }
}
