namespace Portal.BrowserTests;

/// <summary>
/// Issue 4's browser test: a tenant quotes, signs and downloads the agreement; the lease turns Active on the
/// simulator without a reload; the tenant extends it and then releases it early. The portal's own job server
/// and embedded simulator do the provisioning, as in production.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class LeaseJourneyTests(PortalInChromium portal)
{
    private const int PhoneWidth = 390;

    [Fact]
    public async Task Owner_quotes_signs_downloads_sees_it_turn_active_live_extends_it_and_releases_it_early()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("lease-journey");
        var journey = new PortalJourney(page, screenshots);
        var leases = new LeaseJourney(page, screenshots);
        var id = PortalJourney.NewId();
        var email = $"lessee-{id}@example.com";
        var signer = $"Ada Lovelace {id}";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Lease Labs {id}", $"lease-labs-{id}");

            await leases.OpenEmptyLeasesAsync();
            // 2 A100s for 3 hours from now at $1.29 per GPU-hour, no term discount: 6 GPU-hours, $7.74.
            await leases.FillNewLeaseAsync("A100 80 GB", "us-east-2", gpus: 2, hours: 3, expectedTotal: "$7.74");
            var leaseId = await leases.QuoteAndHoldAsync("$7.74");
            await leases.SignAsync(leaseId, signer);
            await leases.DownloadAgreementAsync();
            await leases.ExpectActiveWithoutReloadAsync();
            // Issue 16: the lease a customer just paid for, as they may see it (desk and phone, light and dark).
            await ThemedScreenshots.TakeAsync(page, screenshots, "lease-active", "[data-testid=total-signed]");

            // 2 more hours on the same nodes: 4 GPU-hours, $5.16.
            await leases.ExtendAsync(hours: 2, totalHours: 5, signer, expectedExtensionTotal: "$5.16");
            await Expect(page.GetByTestId("total-signed")).ToHaveTextAsync("$12.90");
            var narrowWidth = await leases.ScreenshotNarrowAsync(PhoneWidth);
            Assert.True(narrowWidth <= PhoneWidth, $"The lease page scrolls sideways on a phone: {narrowWidth} px wide.");

            await leases.ReleaseEarlyAsync();
            await leases.ExpectTimelineAsync(
                "Ended early", "Released early", "Extended to", "Extension by 2 h quoted", "Active: 2 GPUs ready",
                "Provisioning: reserving 2 GPUs", $"Signed by {signer}", "Quoted $7.74");
            await screenshots.TakeAsync(page, "timeline");
        });
        await page.Context.CloseAsync();
    }
}
