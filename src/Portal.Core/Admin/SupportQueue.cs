using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Portal.Core.Billing;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;

namespace Portal.Core.Admin;

/// <summary>
/// Support's home: what needs a person now, across tenants, oldest first. Only sections with something in them are
/// returned, so an empty list means an empty queue. Background jobs are in <see cref="SupportQueueJobs"/>.
/// </summary>
public sealed class SupportQueue(IDbContextFactory<PortalDbContext> dbFactory, SupportQueueJobs jobs, IConfiguration config, TimeProvider time)
{
    public async Task<List<SupportQueueSection>> LoadAsync(CancellationToken ct = default)
    {
        var limits = SupportQueueLimits.From(config);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        List<SupportQueueSection> sections =
        [
            await AwaitingApprovalAsync(db, ct),
            await ProvisioningAsync(db, now.AddDays(-limits.FailedLeaseDays), ct),
            await NodesUnderLeasesAsync(db, now, ct),
            .. await jobs.LoadAsync(db, now.AddMinutes(-limits.StalledMinutes), now, ct),
            await OverdueInvoicesAsync(db, now.AddDays(-limits.InvoiceOverdueDays), ct),
            await TenantsToVerifyAsync(db, ct),
        ];
        return sections.Where(s => s.Total > 0).ToList();
    }

    private static async Task<SupportQueueSection> AwaitingApprovalAsync(PortalDbContext db, CancellationToken ct)
    {
        var leases = db.Leases.Where(l => l.State == LeaseState.PendingApproval);
        var rows = await Describe(db, leases.OrderBy(l => l.SignedAt ?? l.CreatedAt).Take(SupportQueueLimits.Shown)).ToListAsync(ct);
        return new("approval", "Leases awaiting approval",
            rows.Select(r => new SupportQueueItem($"{r.Tenant}: {Counted.Gpus(r.Lease.Gpus)} · {r.Sku}",
                $"{r.Lease.RegionId}, {r.Lease.Start:yyyy-MM-dd HH:mm}–{r.Lease.End:yyyy-MM-dd HH:mm} UTC, {Money.Format(r.Lease.PriceMicros)}",
                $"/admin/leases/{r.Lease.Id}", r.Lease.SignedAt ?? r.Lease.CreatedAt)).ToList(),
            await leases.CountAsync(ct), "/admin/leases?state=PendingApproval");
    }

    /// <summary>Leases that failed to start lately, and ones still trying after a failed attempt.</summary>
    private static async Task<SupportQueueSection> ProvisioningAsync(PortalDbContext db, DateTime failedSince, CancellationToken ct)
    {
        var leases = db.Leases.Where(l => (l.State == LeaseState.Failed && l.End >= failedSince)
            || (l.State == LeaseState.Provisioning && l.ProvisionAttempts > 1));
        var rows = await Describe(db, leases.OrderBy(l => l.Start).Take(SupportQueueLimits.Shown)).ToListAsync(ct);
        return new("provisioning", "Failed provisioning",
            rows.Select(r => new SupportQueueItem($"{r.Tenant}: {Counted.Gpus(r.Lease.Gpus)} · {r.Sku}",
                (r.Lease.State == LeaseState.Failed ? "Failed" : $"Still provisioning after {r.Lease.ProvisionAttempts} attempts")
                + (string.IsNullOrEmpty(r.Lease.FailureReason) ? "" : $": {r.Lease.FailureReason}"),
                $"/admin/leases/{r.Lease.Id}", r.Lease.Start)).ToList(),
            await leases.CountAsync(ct), "/admin/leases?state=Failed");
    }

    /// <summary>Nodes that are down, in maintenance or draining while a lease still holds GPUs on them.</summary>
    private static async Task<SupportQueueSection> NodesUnderLeasesAsync(PortalDbContext db, DateTime now, CancellationToken ct)
    {
        var held = from a in db.Allocations
                   join n in db.Nodes on a.NodeId equals n.Id
                   join l in db.Leases on a.LeaseId equals l.Id
                   join t in db.Tenants on l.TenantId equals t.Id
                   where a.Status != AllocationStatus.Released && a.End > now && n.State != NodeState.Ready
                         && (l.State == LeaseState.Scheduled || l.State == LeaseState.Provisioning || l.State == LeaseState.Active
                             || l.State == LeaseState.Ending)
                   select new { Node = n.Id, n.State, LeaseId = l.Id, Tenant = t.Name, a.Gpus, a.Start };
        var rows = await held.OrderBy(r => r.Start).Take(SupportQueueLimits.Shown).ToListAsync(ct);
        return new("nodes", "Nodes down or draining under leases",
            rows.Select(r => new SupportQueueItem($"{r.Node} is {r.State.ToString().ToLowerInvariant()}",
                $"{Counted.Gpus(r.Gpus)} of {r.Tenant}'s lease on it", $"/admin/leases/{r.LeaseId}", null)).ToList(),
            await held.CountAsync(ct), "/admin/catalog");
    }

    private static async Task<SupportQueueSection> OverdueInvoicesAsync(PortalDbContext db, DateTime issuedBefore, CancellationToken ct)
    {
        var invoices = db.Invoices.Where(i => i.State == InvoiceState.Issued && i.IssuedAt < issuedBefore);
        var rows = await invoices.OrderBy(i => i.IssuedAt).Take(SupportQueueLimits.Shown)
            .Select(i => new { i.Id, i.Number, i.TotalMicros, i.IssuedAt, Tenant = db.Tenants.Where(t => t.Id == i.TenantId).Select(t => t.Name).First() })
            .ToListAsync(ct);
        return new("invoices", "Invoices overdue",
            rows.Select(r => new SupportQueueItem($"{r.Number} · {r.Tenant}", $"{Money.Format(r.TotalMicros)} unpaid since {r.IssuedAt:d MMM yyyy}",
                $"/admin/billing/invoices/{r.Id}", r.IssuedAt)).ToList(),
            await invoices.CountAsync(ct), "/admin/billing");
    }

    /// <summary>Sign-ups nobody has checked yet: they keep the low unverified quota and spend ceiling until someone does.</summary>
    private static async Task<SupportQueueSection> TenantsToVerifyAsync(PortalDbContext db, CancellationToken ct)
    {
        var tenants = db.Tenants.Where(t => !t.Verified && t.State == TenantState.Active);
        var rows = await tenants.OrderBy(t => t.CreatedAt).Take(SupportQueueLimits.Shown)
            .Select(t => new { t.Id, t.Name, t.Slug, t.CreatedAt, Members = t.Memberships.Count }).ToListAsync(ct);
        return new("verify", "Tenants to verify",
            rows.Select(r => new SupportQueueItem($"{r.Name} ({r.Slug})",
                $"Signed up {r.CreatedAt:d MMM yyyy}, {r.Members} member{(r.Members == 1 ? "" : "s")}",
                $"/admin/tenants/{r.Id}", r.CreatedAt)).ToList(),
            await tenants.CountAsync(ct), "/admin/tenants");
    }

    private sealed record LeaseRow(Lease Lease, string Tenant, string Sku);

    private static IQueryable<LeaseRow> Describe(PortalDbContext db, IQueryable<Lease> leases) =>
        leases.Select(l => new LeaseRow(l, db.Tenants.Where(t => t.Id == l.TenantId).Select(t => t.Name).First(),
            db.GpuSkus.Where(s => s.Id == l.SkuId).Select(s => s.Name).First()));
}
