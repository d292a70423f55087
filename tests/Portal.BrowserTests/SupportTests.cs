using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

[Collection(PortalInChromiumCollection.Name)]
public sealed class SupportTests(PortalInChromium portal)
{
    [Fact]
    public async Task Support_sees_the_admin_section_and_opens_the_background_jobs_dashboard()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("support-admin");
        var journey = new PortalJourney(page, screenshots);

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
            // Support belongs to no organisation and is not sent to create one.
            await Expect(page).ToHaveURLAsync(new Regex(@"^http://localhost:\d+/$"));
            await Expect(page.GetByTestId("nav-admin")).ToBeVisibleAsync();
            await screenshots.TakeAsync(page, "dashboard-with-admin-section");

            var jobs = await page.GotoAsync("/admin/jobs");
            Assert.Equal(200, jobs?.Status);
            await Expect(page.Locator("body")).ToContainTextAsync("Portal background jobs");
            await screenshots.TakeAsync(page, "background-jobs");

            // The portal registers its recurring jobs at start, so the dashboard has one to show.
            await page.GotoAsync("/admin/jobs/recurring");
            await Expect(page.Locator("body")).ToContainTextAsync("purge-outbox");
            await screenshots.TakeAsync(page, "recurring-jobs");
        });
        await page.Context.CloseAsync();
    }
}
