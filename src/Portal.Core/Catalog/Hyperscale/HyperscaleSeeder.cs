using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.Tenancy;

namespace Portal.Core.Catalog.Hyperscale;

/// <summary>
/// The opt-in hyperscale pool (<c>--Catalog:Seed=hyperscale</c>): one region of <see cref="HyperscaleSeedOptions.Nodes"/>
/// 8-GPU nodes beside the normal catalog, and <see cref="HyperscaleSeedOptions.Allocations"/> signed allocations of
/// <see cref="HyperscaleSeedOptions.Tenants"/> verified organisations over the next days (running leases Active and
/// reserved, later ones Scheduled). Bulk inserts in one transaction: all of it or nothing, in seconds; a second run
/// adds only missing nodes and organisations and no leases once the seeded ones exist.
/// </summary>
public static class HyperscaleSeeder
{
    public static bool IsChosen(IConfiguration config) =>
        string.Equals(config["Catalog:Seed"], HyperscaleSeedOptions.SeedName, StringComparison.OrdinalIgnoreCase);

    public static HyperscaleSeedOptions OptionsFrom(IConfiguration config) =>
        config.GetSection("Catalog:Hyperscale").Get<HyperscaleSeedOptions>() ?? new HyperscaleSeedOptions();

    /// <summary>Seeds when <c>Catalog:Seed</c> is <c>hyperscale</c>; returns the leases added (0 when already seeded or not chosen).</summary>
    public static Task<int> SeedIfChosenAsync(PortalDbContext db, IConfiguration config, DateTime now, CancellationToken ct = default) =>
        IsChosen(config) ? SeedAsync(db, OptionsFrom(config), now, ct) : Task.FromResult(0);

    public static async Task<int> SeedAsync(PortalDbContext db, HyperscaleSeedOptions o, DateTime now, CancellationToken ct = default)
    {
        var sku = await db.GpuSkus.AsNoTracking().FirstOrDefaultAsync(s => s.Id == o.SkuId, ct)
            ?? throw new InvalidOperationException($"Catalog:Hyperscale:SkuId '{o.SkuId}' is not in the catalog.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await db.Regions.AnyAsync(r => r.Id == o.RegionId, ct))
        {
            db.Regions.Add(new Region { Id = o.RegionId, Name = o.RegionName });
            await db.SaveChangesAsync(ct);
        }

        var nodes = (await db.Nodes.Where(n => n.RegionId == o.RegionId).Select(n => n.Id).ToListAsync(ct)).ToHashSet();
        var nodeRows = new BulkInsert(db, "Nodes", "Id", "RegionId", "SkuId", "GpuCount", "State");
        for (var i = 1; i <= o.Nodes; i++)
            if (!nodes.Contains(o.NodeId(i))) await nodeRows.AddAsync(ct, o.NodeId(i), o.RegionId, o.SkuId, sku.GpusPerNode, NodeState.Ready);
        await nodeRows.FlushAsync(ct);

        var prefix = o.TenantSlug(0)[..^5];
        var tenants = await db.Tenants.Where(t => t.Slug.StartsWith(prefix)).ToDictionaryAsync(t => t.Slug, t => t.Id, ct);
        var tenantRows = new BulkInsert(db, "Tenants", "Id", "Name", "Slug", "State", "CreatedAt", "Verified");
        var tenantIds = new Guid[o.Tenants];
        for (var i = 0; i < o.Tenants; i++)
        {
            if (tenants.TryGetValue(o.TenantSlug(i), out var id)) { tenantIds[i] = id; continue; }
            tenantIds[i] = Guid.CreateVersion7();
            await tenantRows.AddAsync(ct, tenantIds[i], $"Hyperscale customer {i:D5}", o.TenantSlug(i), TenantState.Active, now, true);
        }
        await tenantRows.FlushAsync(ct);

        var added = 0;
        if (!await db.Leases.IgnoreQueryFilters().AnyAsync(l => l.RegionId == o.RegionId && tenantIds.Contains(l.TenantId), ct))
            added = await LeasesAsync(db, o, sku, tenantIds, now, ct);
        if (nodeRows.Written + tenantRows.Written + added > 0) await BumpPoolAsync(db, o, ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return added;
    }

    private static async Task<int> LeasesAsync(PortalDbContext db, HyperscaleSeedOptions o, GpuSku sku, Guid[] tenantIds, DateTime now,
        CancellationToken ct)
    {
        var thisHour = CancellationPolicy.FloorHour(now);
        var leaseRows = new BulkInsert(db, "Leases", "Id", "TenantId", "RegionId", "SkuId", "Gpus", "Start", "End", "State", "Degraded",
            "OnDemandMicrosPerGpuHour", "DiscountBasisPoints", "MicrosPerGpuHour", "PriceMicros", "NeedsApproval", "CreatedAt", "SignerName",
            "SignedAt", "AgreementVersion", "ActivatedAt", "CancellationFeeMicros", "CreditMicros", "LostGpuHours", "ProvisionAttempts", "Version");
        var allocationRows = new BulkInsert(db, "Allocations", "Id", "LeaseId", "NodeId", "RegionId", "SkuId", "Gpus", "Start", "End",
            "Status", "ReservedAt");
        var plan = HyperscalePlan.Leases(o, thisHour);
        var ids = new Guid[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            var l = plan[i];
            var running = l.Start <= now;
            var hours = (int)(l.End - l.Start).TotalHours;
            var price = LeasePrice.For(sku, l.NodeCount * sku.GpusPerNode, hours);
            await leaseRows.AddAsync(ct, ids[i] = Guid.CreateVersion7(), tenantIds[l.Tenant], o.RegionId, o.SkuId, l.NodeCount * sku.GpusPerNode,
                l.Start, l.End, running ? LeaseState.Active : LeaseState.Scheduled, false, price.OnDemandMicrosPerGpuHour,
                price.DiscountBasisPoints, price.MicrosPerGpuHour, price.TotalMicros, false, now, "Seeded", now, LeaseAgreement.Version,
                running ? l.Start : null, 0L, 0L, 0, 0, 0);
        }
        await leaseRows.FlushAsync(ct); // every lease before its allocations (the foreign key)
        for (var i = 0; i < plan.Count; i++)
        {
            var l = plan[i];
            for (var n = 0; n < l.NodeCount; n++)
                await allocationRows.AddAsync(ct, Guid.CreateVersion7(), ids[i], o.NodeId(l.FirstNode + n + 1), o.RegionId, o.SkuId,
                    sku.GpusPerNode, l.Start, l.End, AllocationStatus.Firm, l.Start <= now ? now : null);
        }
        await allocationRows.FlushAsync(ct);
        return plan.Count;
    }

    // Views cached by pool version must see the new nodes and allocations.
    private static async Task BumpPoolAsync(PortalDbContext db, HyperscaleSeedOptions o, CancellationToken ct)
    {
        var updated = await db.Set<CapacityPool>().Where(p => p.RegionId == o.RegionId && p.SkuId == o.SkuId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Version, p => p.Version + 1), ct);
        if (updated > 0) return;
        db.Set<CapacityPool>().Add(new CapacityPool { RegionId = o.RegionId, SkuId = o.SkuId, Version = 1 });
        await db.SaveChangesAsync(ct);
    }
}
