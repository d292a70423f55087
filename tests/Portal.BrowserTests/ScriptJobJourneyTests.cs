namespace Portal.BrowserTests;

/// <summary>
/// Issue 14's browser test: a new tenant gets an Active lease, launches a job from the lease page and watches its log lines
/// arrive and its metrics chart draw on the job page without a reload, until it succeeds; a second job exits with code 3 and
/// shows Failed with that code; a third is cancelled by the member. The portal's own supervisor runs them on the embedded
/// simulator as real processes, as in production. Screenshots at 1280 and 390 px.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class ScriptJobJourneyTests(PortalInChromium portal)
{
    private const int PhoneWidth = 390;
    private const int Lines = 40;

    [Fact]
    public async Task Member_launches_a_job_from_an_active_lease_watches_it_live_then_sees_a_failure_with_its_exit_code_and_cancels_a_third()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("script-job-journey");
        var journey = new PortalJourney(page, screenshots);
        var leases = new LeaseJourney(page, screenshots);
        var jobs = new ScriptJobJourney(page, screenshots);
        var id = PortalJourney.NewId();
        var email = $"jobs-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Job Labs {id}", $"job-labs-{id}");

            await leases.OpenEmptyLeasesAsync();
            // 2 A100s for 3 hours from now: the lease the jobs run on.
            await leases.FillNewLeaseAsync("A100 80 GB", "us-east-2", gpus: 2, hours: 3, expectedTotal: "$7.74");
            var leaseId = await leases.QuoteAndHoldAsync("$7.74");
            await leases.SignAsync(leaseId, $"Ada Lovelace {id}");
            await leases.ExpectActiveWithoutReloadAsync();
            await jobs.ExpectNoJobsYetAsync();

            // 1. Numbered lines, one a second: they arrive on the job page as the script prints them.
            await jobs.OpenLaunchFormAsync(leaseId);
            await jobs.FillLaunchFormAsync("count to forty", $"for i in $(seq 1 {Lines}); do echo \"line $i\"; sleep 1; done", gpusPerTask: 1,
                screenshot: "launch-form");
            Assert.True(await jobs.ScreenshotNarrowAsync(PhoneWidth, "launch-submit", "launch-form") <= PhoneWidth,
                "The launch form is wider than a phone.");
            var counted = await jobs.LaunchAsync("count to forty");
            await jobs.ExpectLogLinesArriveLiveAndSucceedAsync(Lines, launchedBy: email, whileRunning: async () =>
            {
                await screenshots.TakeAsync(page, "job-running-log-and-chart");
                Assert.True(await jobs.ScreenshotNarrowAsync(PhoneWidth, "job-log", "job-running") <= PhoneWidth,
                    "The running job's page is wider than a phone.");
            });

            // 2. A script that fails: Failed, with its exit code.
            var failed = await jobs.LaunchFromLeaseAsync(leaseId, "exits with 3", "echo about to fail; exit 3");
            await jobs.ExpectFailedWithExitCodeAsync(3);
            Assert.True(await jobs.ScreenshotNarrowAsync(PhoneWidth, "job-title", "job-failed") <= PhoneWidth,
                "The failed job's page is wider than a phone.");

            // 3. A long one, cancelled by the member while it runs.
            var cancelled = await jobs.LaunchFromLeaseAsync(leaseId, "sleeps five minutes", "echo sleeping; sleep 300");
            await jobs.CancelRunningAsync(email);

            await jobs.ExpectLeaseJobsAsync(leaseId,
                (counted, "Succeeded", ""), (failed, "Failed", "code 3"), (cancelled, "Cancelled", "Cancelled by"));
            Assert.True(await jobs.ScreenshotNarrowAsync(PhoneWidth, "lease-jobs", "lease-jobs") <= PhoneWidth,
                "The lease page's jobs panel is wider than a phone.");
        });
        await page.Context.CloseAsync();
    }
}
