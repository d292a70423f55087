using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Refusals;

namespace Portal.Core.Batches;

/// <summary>
/// Support's way into every tenant's batches: search, open, cancel. Only the admin pages use it; it lifts the
/// tenant filter (<see cref="PortalDbContext.ActAsSupport"/>) and writes every cancel, and every opened batch, to
/// the audit log. A cancel works as the tenant's own (the runner keeps finished lines) and tells the tenant why.
/// </summary>
public sealed class BatchAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, AuditOrigin origin,
    TimeProvider time, Notifier notifier, PortalChanges changes)
{
    /// <summary>Opening the same batch again within this window (a reload, prerender then interactive) is one view.</summary>
    public static readonly TimeSpan ViewDedupWindow = TimeSpan.FromMinutes(10);

    public static readonly BatchStatus[] CancellableStatuses = [BatchStatus.Validating, BatchStatus.InProgress];

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Every tenant's batches, newest first, filtered by status and tenant.</summary>
    public async Task<PagedResult<AdminBatchRow>> SearchAsync(AdminBatchQuery query, CancellationToken ct = default)
    {
        var (page, pageSize) = PagedResult<AdminBatchRow>.Clamp(query.Page, query.PageSize);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var batches = db.Batches.AsNoTracking();
        if (query.Status is { } status) batches = batches.Where(b => b.Status == status);
        if (query.TenantId is { } tenantId) batches = batches.Where(b => b.TenantId == tenantId);
        var rows = from b in batches
                   join t in db.Tenants on b.TenantId equals t.Id
                   select new { Batch = b, TenantName = t.Name, TenantSlug = t.Slug };
        if (query.Tenant?.Trim() is { Length: > 0 } raw)
        {
            // As in the tenant search: lower-casing both sides works alike on SQLite and PostgreSQL.
            var (q, exact) = (LikePattern.Containing(raw.ToLowerInvariant()), LikePattern.Containing(raw));
            rows = rows.Where(r => EF.Functions.Like(r.TenantName.ToLower(), q, LikePattern.Escape) || EF.Functions.Like(r.TenantSlug, q, LikePattern.Escape)
                || EF.Functions.Like(r.TenantName, exact, LikePattern.Escape));
        }
        var total = await rows.CountAsync(ct);
        var items = await rows.OrderByDescending(r => r.Batch.CreatedAt).ThenByDescending(r => r.Batch.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new AdminBatchRow(r.Batch.Id, r.Batch.TenantId, r.TenantName, r.Batch.Status, r.Batch.Endpoint, r.Batch.Model,
                r.Batch.RequestTotal, r.Batch.RequestCompleted, r.Batch.RequestFailed, r.Batch.CostMicros, r.Batch.CreatedAt))
            .ToListAsync(ct);
        return new(items, total, page, pageSize);
    }

    /// <summary>One batch of any tenant, or null. Audited as <c>batch.viewed</c>: Support crossed into a tenant.</summary>
    public async Task<AdminBatchDetail?> OpenAsync(string batchId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var batch = await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId, ct);
        if (batch is null) return null;
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == batch.TenantId).Select(t => new { t.Name, t.Slug }).FirstAsync(ct);
        var input = await db.BatchFiles.AsNoTracking().Where(f => f.Id == batch.InputFileId).Select(f => f.Filename).FirstOrDefaultAsync(ct);
        var createdBy = batch.CreatedByUserId is { } userId
            ? await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync(ct)
            : null;

        var since = Now - ViewDedupWindow;
        var seenLately = await db.AuditEvents.AnyAsync(e => e.TargetType == BatchAdminActions.BatchTarget && e.TargetId == batchId
            && e.Action == BatchAdminActions.Viewed && e.ActorUserId == origin.UserId && e.At >= since, ct);
        if (!seenLately)
        {
            audit.Add(db, BatchAdminActions.Viewed, BatchAdminActions.BatchTarget, batch.Id, Describe(batch), batch.TenantId);
            await db.SaveChangesAsync(ct);
        }
        return new AdminBatchDetail(batch, tenant.Name, tenant.Slug, input, createdBy);
    }

    /// <summary>
    /// Cancels a validating or running batch of any tenant, with a reason the tenant's Owners, Admins and the batch's
    /// creator are told. It moves to <c>cancelling</c>; the runner finishes the cancel and keeps the lines already done.
    /// </summary>
    public async Task<string> CancelAsync(string batchId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var batch = await db.Batches.FirstOrDefaultAsync(b => b.Id == batchId, ct);
        if (batch is null) throw ActionRefusedException.NotFound("There is no such batch.");
        if (batch.Status == BatchStatus.Cancelling) throw ActionRefusedException.Refused("This batch is already being cancelled. Nothing was changed.");
        if (!CancellableStatuses.Contains(batch.Status))
            throw ActionRefusedException.Refused($"This batch is {BatchService.OpenAiStatus(batch.Status)}: there is nothing to cancel. Nothing was changed.");

        batch.Status = BatchStatus.Cancelling;
        batch.CancellingAt = Now;
        batch.Version++;
        audit.Add(db, BatchAdminActions.CancelledBySupport, BatchAdminActions.BatchTarget, batch.Id, Describe(batch), batch.TenantId, why);
        await notifier.AddAsync(db, batch.TenantId, BatchAdminActions.CancelledNotification, $"Batch cancelled by Support: {batch.Id}",
            $"Support cancelled your batch {batch.Id} ({batch.Endpoint}): {why} Requests already finished stay in its output; " +
            "the rest are listed in its error file as batch_cancelled and are not charged.",
            $"/batches/{batch.Id}", alsoUserId: batch.CreatedByUserId, ct: ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw ActionRefusedException.Refused(
                "The batch changed while you were deciding (the runner moved it). Reload it and try again; nothing was changed.");
        }
        notifier.AfterCommit(batch.TenantId);
        changes.Publish(new PortalChange(batch.TenantId, PortalChange.Batch, EntityKey: batch.Id));
        return "Cancelling. Lines already sent finish or are abandoned shortly; the tenant sees your reason.";
    }

    private static string Describe(Batch b) => $"{b.Endpoint}{(b.Model is null ? "" : $" on {b.Model}")}";
}
