namespace Portal.BrowserTests;

[Collection(PortalInChromiumCollection.Name)]
public sealed class NarrowScreenTests(PortalInChromium portal)
{
    private const int PhoneWidth = 390;

    [Fact]
    public async Task Dashboard_on_a_phone_keeps_the_drawer_closed_and_does_not_scroll_sideways()
    {
        var page = await portal.NewPageAsync(width: PhoneWidth, height: 844);
        var screenshots = new StepScreenshots("phone-dashboard");
        var journey = new PortalJourney(page, screenshots);
        var id = PortalJourney.NewId();
        var email = $"mobile-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Pocket Labs {id}", $"pocket-labs-{id}");
            await journey.ExpectOwnerDashboardAsync($"Pocket Labs {id}");

            var navigation = page.GetByTestId("nav-menu");
            await Expect(navigation).Not.ToBeInViewportAsync();
            Assert.True(await PageWidthAsync(page) <= PhoneWidth, $"The dashboard scrolls sideways: {await PageWidthAsync(page)} px wide.");
            await screenshots.TakeAsync(page, "dashboard-drawer-closed");

            await page.GetByLabel("Toggle navigation").ClickAsync();
            await Expect(navigation).ToBeInViewportAsync();
            await Expect(navigation.GetByText("Dashboard")).ToBeVisibleAsync();
            Assert.True(await PageWidthAsync(page) <= PhoneWidth, $"The open drawer makes the page scroll sideways: {await PageWidthAsync(page)} px wide.");
            await screenshots.TakeAsync(page, "dashboard-drawer-open");
        });
        await page.Context.CloseAsync();
    }

    private static Task<int> PageWidthAsync(IPage page) =>
        page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
}
