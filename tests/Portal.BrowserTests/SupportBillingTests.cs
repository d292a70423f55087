using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>Support's billing pages: find a tenant's invoice, add a goodwill credit, void it, re-issue it with the credit, mark the new one paid.</summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class SupportBillingTests(PortalInChromium portal)
{
    [Fact]
    public async Task Support_credits_voids_reissues_and_marks_an_invoice_paid()
    {
        var id = PortalJourney.NewId();
        var slug = $"billed-co-{id}";
        var screenshots = new StepScreenshots("support-billing");

        // A tenant with last month's invoice ($14.94), made through the sign-up pages.
        var tenantPage = await portal.NewPageAsync();
        var tenantJourney = new PortalJourney(tenantPage, screenshots);
        var email = $"billed-{id}@example.com";
        await tenantJourney.RegisterAsync(email);
        await tenantJourney.ConfirmThroughOutboxAsync(email);
        await tenantJourney.SignInAsync(email, PortalJourney.Password);
        await tenantJourney.CreateOrganizationAsync($"Billed Co {id}", slug);
        var number = await new InvoiceJourney(tenantPage, screenshots, portal.Server).SeedLastMonthsInvoiceAsync(slug);
        await tenantPage.Context.CloseAsync();

        var page = await portal.NewPageAsync();
        await screenshots.RecordAsync(page, async () =>
        {
            await new PortalJourney(page, screenshots).SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
            // From the tenant's admin page to its invoices.
            await page.GotoAsync($"/admin/tenants?q={slug}");
            await page.GotoAsync(await PortalJourney.HrefAsync(page.GetByTestId("tenant-link").First));
            await page.GotoAsync(await PortalJourney.HrefAsync(page.GetByTestId("tenant-invoices-link")));
            await Expect(page.Locator("body")).ToContainTextAsync(number);
            await screenshots.TakeAsync(page, "admin-billing");
            await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^" + Regex.Escape(number)) }).First.ClickAsync();
            await Expect(page.GetByTestId("admin-invoice-number")).ToContainTextAsync(number);
            await Expect(page.GetByTestId("invoice-state")).ToHaveTextAsync("Due");

            // A $4.94 goodwill credit: a bad amount is refused in the dialog first.
            await Expect(page.GetByTestId("admin-invoice-credit")).ToBeEnabledAsync();
            await page.GetByTestId("admin-invoice-credit").ClickAsync();
            await page.Locator("#credit-amount").FillAsync("lots");
            await page.Locator("#credit-reason").FillAsync("Slow provisioning on the 5th");
            await page.GetByTestId("credit-save").ClickAsync();
            await Expect(page.GetByTestId("credit-error")).ToContainTextAsync("amount in dollars");
            await page.Locator("#credit-amount").FillAsync("4.94");
            await screenshots.TakeAsync(page, "add-credit");
            await page.GetByTestId("credit-save").ClickAsync();
            await Expect(page.GetByTestId("admin-tenant-credits")).ToContainTextAsync("Slow provisioning on the 5th");
            await Expect(page.GetByTestId("admin-tenant-credits")).ToContainTextAsync("$4.94");

            // Void, with a reason; then re-issue: the new invoice takes the credit.
            await page.GetByTestId("admin-void").ClickAsync();
            await page.Locator("#reason").FillAsync("Issued before the credit was agreed");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(page.GetByTestId("invoice-state")).ToHaveTextAsync("Void");
            await Expect(page.GetByTestId("invoice-void")).ToContainTextAsync("Issued before the credit was agreed");
            await screenshots.TakeAsync(page, "voided");
            var voided = (await page.GetByTestId("admin-invoice-number").TextContentAsync())!.Trim();
            await page.GetByTestId("admin-reissue").ClickAsync();
            await Expect(page.GetByTestId("admin-invoice-number")).Not.ToHaveTextAsync(voided);
            await Expect(page.GetByTestId("invoice-state")).ToHaveTextAsync("Due");
            await Expect(page.Locator("body")).ToContainTextAsync("$10.00"); // $14.94 less the $4.94 credit
            await screenshots.TakeAsync(page, "reissued");

            await page.GetByTestId("admin-mark-paid").ClickAsync();
            await page.Locator("#reason").FillAsync("Wire ref 7781");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(page.GetByTestId("invoice-state")).ToHaveTextAsync("Paid");
            await Expect(page.GetByTestId("invoice-facts")).ToContainTextAsync("Wire ref 7781");
            await screenshots.TakeAsync(page, "paid");

            // Each action is in the audit log.
            await page.GotoAsync("/admin/audit");
            foreach (var action in new[] { "credit.added", "invoice.voided", "invoice.reissued", "invoice.paid" })
                await Expect(page.Locator("body")).ToContainTextAsync(action);
        });
        await page.Context.CloseAsync();
    }
}
