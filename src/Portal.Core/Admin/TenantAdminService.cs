using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Core.Refusals;

namespace Portal.Core.Admin;

/// <summary>
/// Support's way into tenants: the only code that reads or changes a tenant from outside it.
/// Opening a tenant and every change are written to the audit log in the same SaveChanges.
/// </summary>
public sealed class TenantAdminService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, AuditOrigin origin, TimeProvider time)
{
    /// <summary>Opening the same tenant again within this window (a reload, prerender then interactive) is one view.</summary>
    public static readonly TimeSpan ViewDedupWindow = TimeSpan.FromMinutes(10);

    /// <summary>Tenants whose name or slug contains <paramref name="search"/>, ignoring case, by name.</summary>
    public async Task<PagedResult<TenantRow>> SearchAsync(string? search, int page = 1, int pageSize = 25, CancellationToken ct = default)
    {
        (page, pageSize) = PagedResult<TenantRow>.Clamp(page, pageSize);
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var query = db.Tenants.AsQueryable();
        if (search?.Trim() is { Length: > 0 } raw)
        {
            // Lower-casing both sides works alike on SQLite and PostgreSQL; the raw match helps where SQLite's
            // lower() leaves non-ASCII letters alone.
            var (q, exact) = (LikePattern.Containing(raw.ToLowerInvariant()), LikePattern.Containing(raw));
            query = query.Where(t => EF.Functions.Like(t.Name.ToLower(), q, LikePattern.Escape) || EF.Functions.Like(t.Slug, q, LikePattern.Escape)
                || EF.Functions.Like(t.Name, exact, LikePattern.Escape));
        }
        await db.Database.OpenConnectionAsync(ct); // one open for the count and the page
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(t => t.Name).ThenBy(t => t.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(t => new TenantRow(t.Id, t.Name, t.Slug, t.State, t.Memberships.Count, t.CreatedAt))
            .ToListAsync(ct);
        return new(items, total, page, pageSize);
    }

    /// <summary>A tenant's details and members, or null when there is no such tenant. Audited as <c>tenant.viewed</c>.</summary>
    public async Task<TenantDetail?> OpenAsync(Guid tenantId, CancellationToken ct = default)
    {
        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        var detail = await LoadAsync(db, tenantId, ct);
        if (detail is null) return null;

        var id = tenantId.ToString();
        var since = time.GetUtcNow().UtcDateTime - ViewDedupWindow;
        var seenLately = await db.AuditEvents.AnyAsync(e => e.TargetType == AdminActions.TenantTarget && e.TargetId == id
            && e.Action == AdminActions.TenantViewed && e.ActorUserId == origin.UserId && e.At >= since, ct);
        if (!seenLately)
        {
            audit.Add(db, AdminActions.TenantViewed, AdminActions.TenantTarget, id, detail.Name, tenantId);
            await db.SaveChangesAsync(ct);
        }
        return detail;
    }

    public Task<string> SuspendAsync(Guid tenantId, string? reason, CancellationToken ct = default) =>
        ChangeStateAsync(tenantId, TenantState.Suspended, reason, ct);

    public Task<string> ReactivateAsync(Guid tenantId, string? reason, CancellationToken ct = default) =>
        ChangeStateAsync(tenantId, TenantState.Active, reason, ct);

    private async Task<string> ChangeStateAsync(Guid tenantId, TenantState to, string? reason, CancellationToken ct)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);

        await using var db = (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var from = to == TenantState.Suspended ? TenantState.Active : TenantState.Suspended;
        // Conditional update: of two Support staff pressing the button at once, exactly one changes the state
        // and writes the audit event; the other is told it had already happened.
        var changed = await db.Tenants.Where(t => t.Id == tenantId && t.State == from)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.State, to)
                .SetProperty(t => t.SuspendedReason, to == TenantState.Suspended ? why : null), ct);
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new { t.Name, t.State }).FirstOrDefaultAsync(ct);
        if (tenant is null) throw ActionRefusedException.NotFound("There is no such tenant.");
        if (changed == 0)
            throw ActionRefusedException.Refused(to == TenantState.Suspended
                ? $"{tenant.Name} is already suspended. Nothing was changed."
                : $"{tenant.Name} is already active. Nothing was changed.");

        audit.Add(db, to == TenantState.Suspended ? AdminActions.TenantSuspended : AdminActions.TenantReactivated,
            AdminActions.TenantTarget, tenantId.ToString(), tenant.Name, tenantId, why);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return to == TenantState.Suspended
            ? $"{tenant.Name} is suspended. Its members can still sign in and read, but nothing that costs money can start."
            : $"{tenant.Name} is active again.";
    }

    private static async Task<TenantDetail?> LoadAsync(PortalDbContext db, Guid tenantId, CancellationToken ct)
    {
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tenantId, ct);
        if (tenant is null) return null;
        var members = await db.Memberships.AsNoTracking().Where(m => m.TenantId == tenantId)
            .Select(m => new TenantMemberRow(m.Id, m.UserId, m.User!.Email, m.Role, m.CreatedAt))
            .ToListAsync(ct);
        // Roles are stored as text, so order by power here rather than alphabetically in SQL.
        return new(tenant.Id, tenant.Name, tenant.Slug, tenant.State, tenant.SuspendedReason, tenant.CreatedAt,
            [.. members.OrderBy(m => m.Role).ThenBy(m => m.Email, StringComparer.OrdinalIgnoreCase)]);
    }
}
