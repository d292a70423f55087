using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

[Collection(PortalInChromiumCollection.Name)]
public sealed class TeamJourneyTests(PortalInChromium portal)
{
    [Fact]
    public async Task An_Owner_invites_someone_without_an_account_who_registers_and_joins_through_the_link()
    {
        var owner = await portal.NewPageAsync();
        var shots = new StepScreenshots("team");
        var journey = new PortalJourney(owner, shots);
        var id = PortalJourney.NewId();
        var (ownerEmail, inviteeEmail) = ($"owner-{id}@example.com", $"invitee-{id}@example.com");

        await shots.RecordAsync(owner, async () =>
        {
            await journey.RegisterAsync(ownerEmail);
            await journey.ConfirmThroughOutboxAsync(ownerEmail);
            await journey.SignInAsync(ownerEmail, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Team Co {id}", $"team-co-{id}");

            await owner.GotoAsync("/organization/members");
            await Expect(owner.GetByTestId("no-invitations")).ToBeVisibleAsync();
            await shots.TakeAsync(owner, "members-empty");
            await Expect(owner.GetByTestId("invite-member")).ToBeEnabledAsync();
            await owner.GetByTestId("invite-member").ClickAsync();
            await owner.Locator("#invite-email").FillAsync(inviteeEmail);
            await shots.TakeAsync(owner, "invite-dialog");
            await owner.GetByTestId("send-invitation").ClickAsync();
            await Expect(owner.GetByTestId("invitations-table")).ToContainTextAsync(inviteeEmail);
            await shots.TakeAsync(owner, "members-pending");
        });

        var invitee = await portal.NewPageAsync(390, 844);
        var inviteeJourney = new PortalJourney(invitee, shots);
        await shots.RecordAsync(invitee, async () =>
        {
            await invitee.GotoAsync(await journey.OutboxLinkAsync(inviteeEmail));
            await Expect(invitee).ToHaveURLAsync(new Regex("/invitations/"));
            await Expect(invitee.GetByTestId("invitation-summary")).ToContainTextAsync($"Team Co {id}");
            await shots.TakeAsync(invitee, "invitation-signed-out");
            var link = invitee.Url;

            await invitee.GetByTestId("invitation-register").ClickAsync();
            await invitee.Locator("[name='Input.Email']").FillAsync(inviteeEmail);
            await invitee.Locator("[name='Input.Password']").FillAsync(PortalJourney.Password);
            await invitee.Locator("[name='Input.ConfirmPassword']").FillAsync(PortalJourney.Password);
            await invitee.Locator("[name='Input.ConfirmPassword']").PressAsync("Enter");
            await inviteeJourney.ConfirmThroughOutboxAsync(inviteeEmail);
            // Back to the invitation through sign-in.
            await invitee.GetByTestId("confirm-sign-in").ClickAsync();
            await invitee.Locator("[name='Input.Email']").FillAsync(inviteeEmail);
            await invitee.Locator("[name='Input.Password']").FillAsync(PortalJourney.Password);
            await invitee.Locator("[name='Input.Password']").PressAsync("Enter");
            await Expect(invitee).ToHaveURLAsync(link);
            await shots.TakeAsync(invitee, "invitation-signed-in");
            await invitee.GetByTestId("accept-invitation").ClickAsync();
            await Expect(invitee.GetByTestId("dashboard-role")).ToContainTextAsync("Member");
            await invitee.GotoAsync("/organization/members");
            await Expect(invitee.GetByTestId("members-table")).ToContainTextAsync(inviteeEmail);
            await shots.TakeAsync(invitee, "members-narrow");
            await invitee.GotoAsync(link);
            await Expect(invitee.GetByTestId("invitation-problem")).ToContainTextAsync("already used");
            await shots.TakeAsync(invitee, "invitation-used");
        });

        await owner.GotoAsync("/organization/members");
        await Expect(owner.GetByTestId("members-table")).ToContainTextAsync(inviteeEmail);
        await shots.TakeAsync(owner, "members-owner-view");
        await owner.SetViewportSizeAsync(390, 844);
        await shots.TakeAsync(owner, "members-owner-narrow");
        await owner.Context.CloseAsync();
        await invitee.Context.CloseAsync();
    }
}
