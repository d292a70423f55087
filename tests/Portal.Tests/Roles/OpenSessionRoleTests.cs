using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;

namespace Portal.Tests.Roles;

/// <summary>
/// An interactive session lives for hours: a member demoted or removed meanwhile must not act (or, removed, read) with
/// what their role was when the page opened.
/// </summary>
public sealed class OpenSessionRoleTests(RoleMatrixFactory factory) : IClassFixture<RoleMatrixFactory>
{
    [Fact]
    public async Task A_page_opened_as_Admin_cannot_sign_after_its_member_is_made_Viewer()
    {
        var team = await factory.NewTeamAsync(("admin", TenantRole.Admin));
        var c = new RoleCase(factory, team.TenantId, team["owner"].Id, team["admin"].Id, team.Memberships["admin"], TenantRole.Admin);
        var held = await c.HeldLeaseAsync();
        await using var session = await factory.As(team.TenantId, team["admin"].Id);
        session.Get<CurrentTenant>().MarkLongLived(); // as the circuit handler does

        await factory.AsMember(team, "owner", t => t.ChangeRoleAsync(team.Memberships["admin"], TenantRole.Viewer));
        var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() => session.Signing.SignAsync(held.Id, "Ann Admin", accepted: true));

        Assert.Equal(403, refused.Status);
        Assert.Contains("Viewer", refused.Message);
        Assert.Equal(LeaseState.Held, (await session.Queries.GetAsync(held.Id))!.State);
    }

    [Fact]
    public async Task A_page_opened_before_its_member_was_removed_can_do_and_read_nothing_after()
    {
        var team = await factory.NewTeamAsync(("member", TenantRole.Member));
        var c = new RoleCase(factory, team.TenantId, team["owner"].Id, team["member"].Id, team.Memberships["member"], TenantRole.Member);
        await c.HeldLeaseAsync();
        await using var session = await factory.As(team.TenantId, team["member"].Id);
        session.Get<CurrentTenant>().MarkLongLived();
        Assert.Single(await session.Queries.ListAsync());

        await factory.AsMember(team, "owner", t => t.RemoveAsync(team.Memberships["member"]));
        var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() =>
            session.Quoting.HoldAsync(new LeaseRequest(RoleCase.Region, RoleCase.Sku, 1, factory.ThisHour.AddHours(700), 2)));

        Assert.Equal(403, refused.Status);
        Assert.Empty(await session.Queries.ListAsync());
    }
}
