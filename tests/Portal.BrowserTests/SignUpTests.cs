namespace Portal.BrowserTests;

[Collection(PortalInChromiumCollection.Name)]
public sealed class SignUpTests(PortalInChromium portal)
{
    [Fact]
    public async Task New_user_registers_confirms_through_the_outbox_signs_in_creates_an_organisation_and_reaches_the_dashboard()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("sign-up");
        var journey = new PortalJourney(page, screenshots);
        var id = PortalJourney.NewId();
        var email = $"founder-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Acme AI {id}", $"acme-ai-{id}");
            await journey.ExpectOwnerDashboardAsync($"Acme AI {id}");
            await screenshots.TakeAsync(page, "dashboard");
        });
        await page.Context.CloseAsync();
    }
}
