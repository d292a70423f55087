namespace Portal.BrowserTests;

/// <summary>Issue 6's invoice download: a tenant with no invoices yet, then last month's invoice issued by the job, opened and downloaded as PDF.</summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class InvoiceJourneyTests(PortalInChromium portal)
{
    private const int PhoneWidth = 390;

    [Fact]
    public async Task Owner_opens_last_months_invoice_and_downloads_its_pdf()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("invoice-journey");
        var journey = new PortalJourney(page, screenshots);
        var invoices = new InvoiceJourney(page, screenshots, portal.Server);
        var id = PortalJourney.NewId();
        var email = $"payer-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Invoice Labs {id}", $"invoice-labs-{id}");

            await invoices.OpenEmptyInvoicesAsync();
            var number = await invoices.SeedLastMonthsInvoiceAsync($"invoice-labs-{id}");
            // 2 GPUs x 3 hours at $2.49 per GPU-hour.
            await invoices.OpenInvoiceAsync(number, "$14.94");
            await ThemedScreenshots.TakeAsync(page, screenshots, "invoice", "[data-testid=invoice-total]");
            await invoices.DownloadPdfAsync(number);
            var narrow = await invoices.ScreenshotNarrowAsync(PhoneWidth);
            Assert.True(narrow <= PhoneWidth, $"The invoice page scrolls sideways on a phone: {narrow} px wide.");
            await invoices.OpenEmptyDraftAsync();
        });
        await page.Context.CloseAsync();
    }
}
