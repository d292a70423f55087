using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;

namespace Portal.Tests.Roles;

/// <summary>
/// The role matrix, enforced on the server: for every row of <see cref="RoleMatrixRows"/> and every role, the action
/// succeeds for the row's role and those above it, and is refused (a role refusal, nothing changed in the
/// organisation) for those below. Runs against a real host, through the services and over HTTP.
/// </summary>
public sealed class RoleMatrixTests(RoleMatrixFactory factory) : IClassFixture<RoleMatrixFactory>
{
    public static TheoryData<string, TenantRole> Cases()
    {
        var data = new TheoryData<string, TenantRole>();
        foreach (var row in RoleMatrixRows.All)
            foreach (var role in TeamRules.AllRoles)
                data.Add(row.Action, role);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_may_do_what_its_row_allows_and_nothing_more(string action, TenantRole role)
    {
        var row = RoleMatrixRows.All.Single(r => r.Action == action);
        var c = await NewCaseAsync(role);
        var act = await row.Arrange(c);
        var before = await RoleRefusals.FingerprintAsync(factory, c.TenantId);

        Exception? refused = null;
        try { await act(); }
        catch (Exception e) when (RoleRefusals.IsRoleRefusal(e)) { refused = e; }

        var allowed = role <= row.Least; // roles are ordered most powerful first
        if (allowed)
            Assert.True(refused is null, $"{role} should be allowed to {action}, but was refused: {refused?.Message}");
        else
        {
            Assert.True(refused is not null, $"{role} should be refused {action}, but it succeeded.");
            Assert.False(string.IsNullOrWhiteSpace(refused!.Message));
            Assert.Equal(before, await RoleRefusals.FingerprintAsync(factory, c.TenantId));
        }
    }

    private async Task<RoleCase> NewCaseAsync(TenantRole role)
    {
        var team = await factory.NewTeamAsync(("actor", role));
        return new RoleCase(factory, team.TenantId, team["owner"].Id, team["actor"].Id, team.Memberships["actor"], role);
    }
}
