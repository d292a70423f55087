using Microsoft.EntityFrameworkCore;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Tenancy;

/// <summary>Role changes, removal and leaving: who may, the last Owner who may not, and the person told.</summary>
public sealed class MemberManagementTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task An_Owner_changes_a_role_and_the_member_is_told()
    {
        var team = await factory.NewTeamAsync(("member", TenantRole.Member));

        var changed = await factory.AsMember(team, "owner", t => t.ChangeRoleAsync(team.Memberships["member"], TenantRole.Admin));

        Assert.Equal(TenantRole.Admin, changed.Role);
        Assert.Equal(TenantRole.Admin, await factory.RoleOf(team.TenantId, team["member"].Id));
        var note = await factory.Read(db => db.Notifications.SingleAsync(n => n.UserId == team["member"].Id && n.TenantId == team.TenantId));
        Assert.Contains("from Member to Admin", note.Body);
        Assert.Null(note.EmailedAt); // the delivery job e-mails it
        Assert.Contains("member.role_changed", await factory.AuditActions(team.TenantId));
    }

    [Fact]
    public async Task Admins_manage_Admins_Members_and_Viewers_but_never_Owners()
    {
        var team = await factory.NewTeamAsync(("admin", TenantRole.Admin), ("admin2", TenantRole.Admin), ("viewer", TenantRole.Viewer));

        var demoteOwner = await Refused(() => factory.AsMember(team, "admin", t => t.ChangeRoleAsync(team.Memberships["owner"], TenantRole.Member)));
        var makeOwner = await Refused(() => factory.AsMember(team, "admin", t => t.ChangeRoleAsync(team.Memberships["viewer"], TenantRole.Owner)));
        var removeOwner = await Refused(() => factory.AsMember(team, "admin", t => t.RemoveAsync(team.Memberships["owner"])));
        await factory.AsMember(team, "admin", t => t.ChangeRoleAsync(team.Memberships["admin2"], TenantRole.Member));
        await factory.AsMember(team, "admin", t => t.RemoveAsync(team.Memberships["viewer"]));

        Assert.Contains("cannot change an Owner", demoteOwner.Message);
        Assert.Contains("cannot make anyone Owner", makeOwner.Message);
        Assert.Contains("cannot remove an Owner", removeOwner.Message);
        Assert.All([demoteOwner, makeOwner, removeOwner], e => Assert.Equal(403, e.Status));
        Assert.Equal(TenantRole.Owner, await factory.RoleOf(team.TenantId, team["owner"].Id));
        Assert.Equal(TenantRole.Member, await factory.RoleOf(team.TenantId, team["admin2"].Id));
        Assert.Null(await factory.RoleOf(team.TenantId, team["viewer"].Id));
        Assert.True(await factory.Read(db => db.Notifications.AnyAsync(n => n.UserId == team["viewer"].Id && n.Kind == "member.removed")));
    }

    [Fact]
    public async Task Members_and_Viewers_change_nobody()
    {
        var team = await factory.NewTeamAsync(("member", TenantRole.Member), ("viewer", TenantRole.Viewer));

        await Refused(() => factory.AsMember(team, "member", t => t.ChangeRoleAsync(team.Memberships["viewer"], TenantRole.Member)));
        await Refused(() => factory.AsMember(team, "viewer", t => t.RemoveAsync(team.Memberships["member"])));

        Assert.Equal(TenantRole.Viewer, await factory.RoleOf(team.TenantId, team["viewer"].Id));
        Assert.Equal(TenantRole.Member, await factory.RoleOf(team.TenantId, team["member"].Id));
    }

    [Fact]
    public async Task The_last_Owner_can_neither_leave_nor_be_demoted_nor_removed()
    {
        var team = await factory.NewTeamAsync(("owner2", TenantRole.Owner));
        await factory.AsMember(team, "owner", t => t.RemoveAsync(team.Memberships["owner2"]));

        var leave = await Refused(() => factory.AsMember(team, "owner", t => t.LeaveAsync()));
        var demote = await Refused(() => factory.AsMember(team, "owner", t => t.ChangeRoleAsync(team.Memberships["owner"], TenantRole.Admin)));

        Assert.Equal("last_owner", leave.Code);
        Assert.Contains("last Owner", leave.Message);
        Assert.Equal("last_owner", demote.Code);
        Assert.Equal(TenantRole.Owner, await factory.RoleOf(team.TenantId, team["owner"].Id));
        Assert.DoesNotContain("member.left", await factory.AuditActions(team.TenantId));
    }

    [Fact]
    public async Task Anyone_else_may_leave_and_the_Owners_are_told()
    {
        var team = await factory.NewTeamAsync(("viewer", TenantRole.Viewer), ("owner2", TenantRole.Owner));
        await factory.Read(db => db.Users.Where(u => u.Id == team["viewer"].Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.CurrentTenantId, team.TenantId)));

        await factory.AsMember(team, "viewer", t => t.LeaveAsync());
        await factory.AsMember(team, "owner", t => t.LeaveAsync()); // another Owner remains

        Assert.Null(await factory.RoleOf(team.TenantId, team["viewer"].Id));
        Assert.Null(await factory.RoleOf(team.TenantId, team["owner"].Id));
        Assert.Equal(TenantRole.Owner, await factory.RoleOf(team.TenantId, team["owner2"].Id));
        Assert.Null(await factory.Read(db => db.Users.Where(u => u.Id == team["viewer"].Id).Select(u => u.CurrentTenantId).SingleAsync()));
        Assert.True(await factory.Read(db => db.Notifications.AnyAsync(n => n.UserId == team["owner2"].Id && n.Kind == "member.left")));
    }

    [Fact]
    public async Task Two_Owners_demoting_each_other_at_once_leave_one_Owner()
    {
        for (var round = 0; round < 6; round++)
        {
            var team = await factory.NewTeamAsync(("owner2", TenantRole.Owner));
            // Each demotes the other at the same moment; alternate who starts first.
            var (a, b) = round % 2 == 0 ? ("owner", "owner2") : ("owner2", "owner");
            using var start = new ManualResetEventSlim();
            var results = await Task.WhenAll(
                Task.Run(() =>
                {
                    start.Wait();
                    return Outcome(() => factory.AsMember(team, a, t => t.ChangeRoleAsync(team.Memberships[b], TenantRole.Admin)));
                }),
                Task.Run(() =>
                {
                    start.Wait();
                    return Outcome(() => factory.AsMember(team, b, t => t.ChangeRoleAsync(team.Memberships[a], TenantRole.Admin)));
                }),
                Task.Run(() => { start.Set(); return Task.FromResult<TeamException?>(null); }));

            var owners = await factory.Read(db => db.Memberships.CountAsync(m => m.TenantId == team.TenantId && m.Role == TenantRole.Owner));
            Assert.Equal(1, owners);
            var refusal = Assert.Single(results, r => r is not null);
            Assert.Equal(403, refusal!.Status); // the loser is an Admin by then, and Admins do not change Owners
        }
    }

    [Fact]
    public async Task Two_Owners_leaving_at_once_leave_one_Owner()
    {
        var team = await factory.NewTeamAsync(("owner2", TenantRole.Owner));
        var results = await Task.WhenAll(
            Outcome(() => factory.AsMember(team, "owner", t => t.LeaveAsync())),
            Outcome(() => factory.AsMember(team, "owner2", t => t.LeaveAsync())));

        Assert.Equal(1, await factory.Read(db => db.Memberships.CountAsync(m => m.TenantId == team.TenantId && m.Role == TenantRole.Owner)));
        Assert.Equal("last_owner", Assert.Single(results, r => r is not null)!.Code);
    }

    private static Task<TeamException> Refused(Func<Task> action) => Assert.ThrowsAsync<TeamException>(action);

    private static async Task<TeamException?> Outcome(Func<Task> action)
    {
        try { await action(); return null; }
        catch (TeamException e) { return e; }
    }
}
