using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Who changes jobs: Members and above (their own jobs and anyone's in the organisation); Viewers only read. The check is
/// <see cref="CurrentTenant"/>'s own; an API key's refusal names the scope that does launch and cancel jobs (Jobs).
/// </summary>
public static class ScriptJobRoles
{
    public const TenantRole Changes = TenantRole.Member;

    public static async Task RequireAsync(CurrentTenant tenant, IDbContextFactory<PortalDbContext> dbFactory, string what, CancellationToken ct)
    {
        try
        {
            await tenant.RequireRoleAsync(dbFactory, Changes, what, ct);
        }
        catch (TenantActionRefusedException e) when (e.Code == "forbidden" && tenant.ApiKeyId is not null && tenant.TenantId is not null)
        {
            throw new TenantActionRefusedException("forbidden",
                $"This API key acts as {tenant.Role} and cannot {what}: use a key with the Jobs scope, made by {TeamRules.WithArticle(Changes)} or above.");
        }
    }
}
