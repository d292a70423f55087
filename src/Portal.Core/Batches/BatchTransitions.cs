using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Notifications;

namespace Portal.Core.Batches;

/// <summary>
/// How the batch jobs change a batch: load it in its tenant's scope, apply a change that re-checks the status
/// first, save with the batch's <see cref="Batch.Version"/> (a concurrent cancel makes the change decide again on
/// what the cancel wrote), then wake open pages. A change that finds nothing to do returns false and writes nothing.
/// </summary>
public sealed class BatchTransitions(IDbContextFactory<PortalDbContext> dbFactory, PortalChanges changes, TimeProvider time)
{
    private const int MaxConflicts = 5;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>The batch, untracked, whatever its tenant; null if there is none.</summary>
    public async Task<Batch?> FindAsync(string batchId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Batches.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId, ct);
    }

    /// <summary>A context that acts for the batch's tenant only (a job was given ids, never objects).</summary>
    public async Task<PortalDbContext> TenantDbAsync(Guid tenantId, CancellationToken ct) =>
        (await dbFactory.CreateDbContextAsync(ct)).ForTenant(tenantId);

    /// <summary>
    /// Applies <paramref name="change"/> (given the tracked batch and its context) and commits it with whatever else
    /// the change added to the context. Returns the batch as saved or as found; null when there is no such batch.
    /// </summary>
    public async Task<Batch?> ChangeAsync(string batchId, Func<Batch, PortalDbContext, Task<bool>> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var found = await FindAsync(batchId, ct);
            if (found is null) return null;
            await using var db = await TenantDbAsync(found.TenantId, ct);
            var batch = await db.Batches.FirstAsync(b => b.Id == batchId, ct);
            if (!await change(batch, db)) return batch;
            batch.Version++;
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxConflicts)
            {
                continue; // someone (a cancel) changed the batch first: decide again on what they wrote
            }
            Publish(batch);
            return batch;
        }
    }

    public Task<Batch?> ChangeAsync(string batchId, Func<Batch, bool> change, CancellationToken ct) =>
        ChangeAsync(batchId, (b, _) => Task.FromResult(change(b)), ct);

    /// <summary>Wakes pages that show this batch (list, detail): its status or progress moved.</summary>
    public void Publish(Batch batch) => Publish(batch.TenantId, batch.Id);

    public void Publish(Guid tenantId, string batchId) => changes.Publish(new PortalChange(tenantId, PortalChange.Batch, EntityKey: batchId));
}
