using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Tenancy;

/// <summary>Teams for tests: an organisation with members of given roles, the team service as one of them, the outbox.</summary>
public static partial class TeamTestKit
{
    public const string BaseUri = "http://localhost/";

    public sealed record Team(Guid TenantId, string TenantName, Dictionary<string, ApplicationUser> Users, Dictionary<string, Guid> Memberships)
    {
        public ApplicationUser this[string name] => Users[name];
    }

    /// <summary>A new organisation whose first user is its Owner, with more members as <c>("name", role)</c>.</summary>
    public static async Task<Team> NewTeamAsync(this PortalFactory factory, params (string Name, TenantRole Role)[] members)
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var users = new Dictionary<string, ApplicationUser> { ["owner"] = owner };
        var ids = new Dictionary<string, Guid>();
        foreach (var (name, role) in members)
        {
            var user = await factory.CreateUserAsync();
            users[name] = user;
            ids[name] = (await factory.AddMemberAsync(tenant.Id, user, role)).Id;
        }
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        ids["owner"] = await db.Memberships.Where(m => m.TenantId == tenant.Id && m.UserId == owner.Id).Select(m => m.Id).SingleAsync();
        return new Team(tenant.Id, tenant.Name, users, ids);
    }

    /// <summary>Runs <paramref name="action"/> with the team's invitations as <paramref name="user"/> (a fresh request scope).</summary>
    public static Task<T> AsMember<T>(this LeaseFactory factory, Team team, string user, Func<TeamInvitations, Task<T>> action) =>
        factory.AsMember<TeamInvitations, T>(team, user, action);

    /// <summary>Runs <paramref name="action"/> with the team's members as <paramref name="user"/> (a fresh request scope).</summary>
    public static Task<T> AsMember<T>(this LeaseFactory factory, Team team, string user, Func<TeamMembers, Task<T>> action) =>
        factory.AsMember<TeamMembers, T>(team, user, action);

    public static Task AsMember(this LeaseFactory factory, Team team, string user, Func<TeamInvitations, Task> action) =>
        factory.AsMember<TeamInvitations, int>(team, user, async t => { await action(t); return 0; });

    public static Task AsMember(this LeaseFactory factory, Team team, string user, Func<TeamMembers, Task> action) =>
        factory.AsMember<TeamMembers, int>(team, user, async t => { await action(t); return 0; });

    private static async Task<T> AsMember<TService, T>(this LeaseFactory factory, Team team, string user, Func<TService, Task<T>> action)
        where TService : notnull
    {
        await using var scope = await factory.As(team.TenantId, team[user].Id);
        return await action(scope.Get<TService>());
    }

    public static async Task<T> Read<T>(this PortalFactory factory, Func<PortalDbContext, Task<T>> query)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await query(db);
    }

    public static Task<TenantRole?> RoleOf(this PortalFactory factory, Guid tenantId, string userId) =>
        factory.Read(db => db.Memberships.Where(m => m.TenantId == tenantId && m.UserId == userId).Select(m => (TenantRole?)m.Role).FirstOrDefaultAsync());

    public static Task<List<string>> AuditActions(this PortalFactory factory, Guid tenantId) =>
        factory.Read(db => db.AuditEvents.Where(e => e.TenantId == tenantId).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());

    /// <summary>The token in the newest invitation e-mail to <paramref name="email"/>.</summary>
    public static async Task<string> InvitationTokenFor(this PortalFactory factory, string email)
    {
        var body = await factory.Read(db => db.OutboxEmails.Where(m => m.To == email).OrderByDescending(m => m.Id).Select(m => m.HtmlBody).FirstAsync());
        return WebUtility.HtmlDecode(InvitationLink().Match(body).Groups[1].Value);
    }

    [GeneratedRegex("href=\"http://localhost/invitations/([^\"]+)\"")]
    private static partial Regex InvitationLink();
}
