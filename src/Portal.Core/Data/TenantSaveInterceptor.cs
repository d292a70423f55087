using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Core.Data;

/// <summary>Stamps new tenant-owned rows with the context's tenant and refuses writes to any other tenant's rows.</summary>
public sealed class TenantSaveInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Guard(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Guard(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Guard(DbContext? context)
    {
        if (context is not PortalDbContext db) return;
        foreach (var entry in db.ChangeTracker.Entries<ITenantOwned>())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached) continue;
            if (entry.State == EntityState.Added && entry.Entity.TenantId == Guid.Empty)
            {
                entry.Entity.TenantId = db.TenantFilterId
                    ?? throw new CrossTenantWriteException($"A {entry.Metadata.ClrType.Name} was added with no current tenant.");
                continue;
            }
            if (db.CrossTenant) continue;

            var tenantId = entry.State == EntityState.Added
                ? entry.Entity.TenantId
                : entry.Property(e => e.TenantId).OriginalValue;
            if (tenantId != db.TenantFilterId || entry.Entity.TenantId != tenantId)
                throw new CrossTenantWriteException($"Refused to write a {entry.Metadata.ClrType.Name} of another tenant.");
        }
    }
}
