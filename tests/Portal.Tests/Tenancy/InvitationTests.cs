using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Tenancy.TeamTestKit;

namespace Portal.Tests.Tenancy;

/// <summary>Invitations end to end: the e-mail, the link (hashed, 7 days, once), accepting, and every way it is refused.</summary>
public sealed class InvitationTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private static string NewEmail() => $"invitee-{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task An_invitee_accepts_through_the_link_once_and_joins_with_the_role()
    {
        var team = await factory.NewTeamAsync();
        var email = NewEmail();
        await factory.AsMember(team, "owner", t => t.InviteAsync(email.ToUpperInvariant(), TenantRole.Admin, BaseUri));
        var token = await factory.InvitationTokenFor(email);
        // Only the hash is stored.
        var stored = await factory.Read(db => db.Invitations.SingleAsync(i => i.TenantId == team.TenantId));
        Assert.Equal(email, stored.Email);
        Assert.Equal(InvitationToken.Hash(token), stored.TokenHash);
        Assert.DoesNotContain(token, stored.TokenHash);

        var invitee = await factory.CreateUserAsync(email);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(email);
        var page = await client.GetPageAsync($"/invitations/{token}");
        Assert.Contains($"Join {team.TenantName}", page);
        var accepted = await client.SubmitFormAsync($"/invitations/{token}", "accept-invitation", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Equal(TenantRole.Admin, await factory.RoleOf(team.TenantId, invitee.Id));
        Assert.Equal(team.TenantId, await factory.Read(db => db.Users.Where(u => u.Id == invitee.Id).Select(u => u.CurrentTenantId).SingleAsync()));
        Assert.Contains(team.TenantName, await client.GetPageAsync("/"));
        Assert.Equal(["invitation.created", "invitation.accepted"], (await factory.AuditActions(team.TenantId)).Where(a => a.StartsWith("invitation.")));
        // The Owner hears about it.
        Assert.True(await factory.Read(db => db.Notifications.AnyAsync(n => n.TenantId == team.TenantId && n.UserId == team["owner"].Id
            && n.Kind == "member.joined")));

        // A second use is refused and changes nothing.
        var again = await client.GetPageAsync($"/invitations/{token}");
        Assert.Contains("already used", again);
        var refused = await Assert.ThrowsAsync<TeamException>(() => AcceptAs(token, invitee.Id));
        Assert.Equal("invitation_accepted", refused.Code);
        Assert.Equal(1, await factory.Read(db => db.Memberships.CountAsync(m => m.TenantId == team.TenantId && m.UserId == invitee.Id)));
    }

    [Fact]
    public async Task The_link_expires_after_seven_days()
    {
        var team = await factory.NewTeamAsync();
        var email = NewEmail();
        await factory.AsMember(team, "owner", t => t.InviteAsync(email, TenantRole.Member, BaseUri));
        var token = await factory.InvitationTokenFor(email);
        var invitee = await factory.CreateUserAsync(email);

        factory.Clock.Advance(InvitationToken.Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(InvitationStatus.Open, (await Read(token)).Status);
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(InvitationStatus.Expired, (await Read(token)).Status);

        var refused = await Assert.ThrowsAsync<TeamException>(() => AcceptAs(token, invitee.Id));
        Assert.Equal("invitation_expired", refused.Code);
        Assert.Contains("expired", refused.Message);
        Assert.Null(await factory.RoleOf(team.TenantId, invitee.Id));
        using var anonymous = factory.CreatePortalClient();
        Assert.Contains("expired", await anonymous.GetPageAsync($"/invitations/{token}"));

        // An expired invitation does not block a new one; the new link works.
        await factory.AsMember(team, "owner", t => t.InviteAsync(email, TenantRole.Viewer, BaseUri));
        await AcceptAs(await factory.InvitationTokenFor(email), invitee.Id);
        Assert.Equal(TenantRole.Viewer, await factory.RoleOf(team.TenantId, invitee.Id));
    }

    [Fact]
    public async Task A_revoked_link_is_refused_and_a_resent_one_replaces_the_old()
    {
        var team = await factory.NewTeamAsync(("admin", TenantRole.Admin));
        var (revokedEmail, resentEmail) = (NewEmail(), NewEmail());
        var revoked = await factory.AsMember(team, "admin", t => t.InviteAsync(revokedEmail, TenantRole.Member, BaseUri));
        var first = await factory.AsMember(team, "admin", t => t.InviteAsync(resentEmail, TenantRole.Member, BaseUri));
        var revokedToken = await factory.InvitationTokenFor(revokedEmail);
        var oldToken = await factory.InvitationTokenFor(resentEmail);

        await factory.AsMember(team, "admin", t => t.RevokeInvitationAsync(revoked.Id));
        await factory.AsMember(team, "owner", t => t.ResendAsync(first.Id, BaseUri));
        var newToken = await factory.InvitationTokenFor(resentEmail);
        Assert.NotEqual(oldToken, newToken);

        var revokedUser = await factory.CreateUserAsync(revokedEmail);
        var resentUser = await factory.CreateUserAsync(resentEmail);
        Assert.Equal("invitation_revoked", (await Assert.ThrowsAsync<TeamException>(() => AcceptAs(revokedToken, revokedUser.Id))).Code);
        var replaced = await Assert.ThrowsAsync<TeamException>(() => AcceptAs(oldToken, resentUser.Id));
        Assert.Contains("newer invitation", replaced.Message);
        Assert.Null(await factory.RoleOf(team.TenantId, revokedUser.Id));
        Assert.Null(await factory.RoleOf(team.TenantId, resentUser.Id));

        await AcceptAs(newToken, resentUser.Id);
        Assert.Equal(TenantRole.Member, await factory.RoleOf(team.TenantId, resentUser.Id));
        var pending = await factory.AsMember(team, "owner", t => t.ListInvitationsAsync());
        Assert.Empty(pending);
        Assert.Contains("invitation.revoked", await factory.AuditActions(team.TenantId));
        Assert.Contains("invitation.resent", await factory.AuditActions(team.TenantId));
    }

    [Fact]
    public async Task A_user_with_another_or_an_unconfirmed_address_cannot_accept()
    {
        var team = await factory.NewTeamAsync();
        var email = NewEmail();
        await factory.AsMember(team, "owner", t => t.InviteAsync(email, TenantRole.Member, BaseUri));
        var token = await factory.InvitationTokenFor(email);
        var stranger = await factory.CreateUserAsync();

        var wrong = await Assert.ThrowsAsync<TeamException>(() => AcceptAs(token, stranger.Id));
        Assert.Contains($"for {email}", wrong.Message);

        var unconfirmed = await factory.CreateUserAsync(email);
        await factory.Read(db => db.Users.Where(u => u.Id == unconfirmed.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.EmailConfirmed, false)));
        var refused = await Assert.ThrowsAsync<TeamException>(() => AcceptAs(token, unconfirmed.Id));
        Assert.Contains("Confirm your e-mail", refused.Message);

        Assert.Null(await factory.RoleOf(team.TenantId, stranger.Id));
        Assert.Null(await factory.RoleOf(team.TenantId, unconfirmed.Id));
        Assert.Equal(InvitationStatus.Open, (await Read(token)).Status);
    }

    [Fact]
    public async Task Members_and_people_already_invited_cannot_be_invited_again()
    {
        var team = await factory.NewTeamAsync(("member", TenantRole.Member));
        var email = NewEmail();
        await factory.AsMember(team, "owner", t => t.InviteAsync(email, TenantRole.Member, BaseUri));

        var member = await Assert.ThrowsAsync<TeamException>(() =>
            factory.AsMember(team, "owner", t => t.InviteAsync(team["member"].Email, TenantRole.Admin, BaseUri)));
        var invited = await Assert.ThrowsAsync<TeamException>(() =>
            factory.AsMember(team, "owner", t => t.InviteAsync($" {email.ToUpperInvariant()} ", TenantRole.Admin, BaseUri)));

        Assert.Equal("already_member", member.Code);
        Assert.Contains("already a member", member.Message);
        Assert.Equal("already_invited", invited.Code);
        Assert.Single(await factory.AsMember(team, "owner", t => t.ListInvitationsAsync()));
        Assert.Equal(1, await factory.Read(db => db.OutboxEmails.CountAsync(m => m.To == email)));
    }

    [Fact]
    public async Task Admins_invite_but_not_Owners_and_Members_do_not_invite()
    {
        var team = await factory.NewTeamAsync(("admin", TenantRole.Admin), ("member", TenantRole.Member));

        var ownerByAdmin = await Assert.ThrowsAsync<TeamException>(() =>
            factory.AsMember(team, "admin", t => t.InviteAsync(NewEmail(), TenantRole.Owner, BaseUri)));
        var byMember = await Assert.ThrowsAsync<TeamException>(() =>
            factory.AsMember(team, "member", t => t.InviteAsync(NewEmail(), TenantRole.Viewer, BaseUri)));
        var bad = await Assert.ThrowsAsync<TeamException>(() =>
            factory.AsMember(team, "owner", t => t.InviteAsync("not an address", TenantRole.Viewer, BaseUri)));
        await factory.AsMember(team, "admin", t => t.InviteAsync(NewEmail(), TenantRole.Admin, BaseUri));

        Assert.Equal(403, ownerByAdmin.Status);
        Assert.Contains("cannot invite Owners", ownerByAdmin.Message);
        Assert.Equal(403, byMember.Status);
        Assert.Equal(400, bad.Status);
        Assert.Single(await factory.AsMember(team, "owner", t => t.ListInvitationsAsync()));
    }

    private async Task<InvitationView> Read(string token)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<InvitationAcceptance>().ReadAsync(token);
    }

    private async Task AcceptAs(string token, string userId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<InvitationAcceptance>().AcceptAsync(token, userId);
    }
}
