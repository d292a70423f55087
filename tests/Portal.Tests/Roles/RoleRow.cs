using Microsoft.EntityFrameworkCore;
using Portal.Core.ApiKeys;
using Portal.Core.Batches;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;

namespace Portal.Tests.Roles;

/// <summary>
/// One action of the matrix: its name, the least powerful role allowed to do it (roles above it may too, roles below
/// are refused), and how to do it: <see cref="Arrange"/> prepares what it needs (as the Owner) and returns the action
/// itself, run as the actor. A row is one line, e.g.
/// <c>new("spend.set-limit", TenantRole.Owner, c => Act(() => c.As&lt;SpendService&gt;(s => s.SetLimitAsync(1_000_000))))</c>.
/// </summary>
public sealed record RoleRow(string Action, TenantRole Least, Func<RoleCase, Task<Func<Task>>> Arrange)
{
    /// <summary>An action that needs nothing arranged first.</summary>
    public static Task<Func<Task>> Act(Func<Task> action) => Task.FromResult(action);

    public override string ToString() => Action;
}

/// <summary>What counts as "refused because of the role": anything else (409, 400, a crash) fails the row.</summary>
public static class RoleRefusals
{
    public static bool IsRoleRefusal(Exception e) => e switch
    {
        LeaseException l => l.Status == 403 && l.Code == "forbidden",
        BatchException b => b.Status == 403 && b.Code == "insufficient_permissions",
        ApiKeyException k => k.Message.Contains("cannot", StringComparison.Ordinal),
        TeamException t => t.Status == 403,
        TenantActionRefusedException r => r.Status == 403 && r.Code == "forbidden",
        HttpForbiddenException => true,
        _ => false,
    };

    /// <summary>
    /// Everything a refused action could have changed in the organisation, as one string: audit events, leases and
    /// extensions by state, batches by status, files, keys, members, invitations and the organisation's settings.
    /// </summary>
    public static Task<string> FingerprintAsync(PortalFactory factory, Guid tenantId) => factory.Read(async db => string.Join(" | ",
        await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Name + "/" + t.BillingEmail + "/" + t.SpendLimitMicros).SingleAsync(),
        await db.AuditEvents.CountAsync(e => e.TenantId == tenantId),
        string.Join(",", await db.Leases.Where(l => l.TenantId == tenantId).OrderBy(l => l.Id).Select(l => l.State.ToString() + l.SignedAt).ToListAsync()),
        string.Join(",", await db.LeaseAmendments.Where(a => a.TenantId == tenantId).OrderBy(a => a.Id).Select(a => a.State.ToString()).ToListAsync()),
        string.Join(",", await db.Batches.Where(b => b.TenantId == tenantId).OrderBy(b => b.Id).Select(b => b.Status.ToString()).ToListAsync()),
        string.Join(",", await db.BatchFiles.Where(f => f.TenantId == tenantId).OrderBy(f => f.Id).Select(f => f.Id + f.DeletedAt).ToListAsync()),
        string.Join(",", await db.ApiKeys.Where(k => k.TenantId == tenantId).OrderBy(k => k.Id).Select(k => k.Id.ToString() + k.RevokedAt).ToListAsync()),
        string.Join(",", await db.Memberships.Where(m => m.TenantId == tenantId).OrderBy(m => m.Id).Select(m => m.UserId + m.Role).ToListAsync()),
        string.Join(",", await db.Invitations.Where(i => i.TenantId == tenantId).OrderBy(i => i.Id)
            .Select(i => i.Id.ToString() + i.RevokedAt + i.AcceptedAt).ToListAsync())));
}
