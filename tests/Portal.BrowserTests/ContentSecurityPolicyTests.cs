namespace Portal.BrowserTests;

/// <summary>
/// The portal's Content-Security-Policy breaks nothing: a tenant's pages (home, catalog, a lease being quoted, an
/// account page), the API reference and Support's jobs dashboard load and work with no CSP violation logged.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class ContentSecurityPolicyTests(PortalInChromium portal)
{
    [Fact]
    public async Task The_pages_run_under_the_content_security_policy_without_a_violation()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("content-security-policy");
        var journey = new PortalJourney(page, screenshots);
        var leases = new LeaseJourney(page, screenshots);
        var violations = new List<string>();
        // Chromium reports each refused script, style, frame or connection on the console.
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                violations.Add($"{page.Url}: {message.Text}");
        };
        var id = PortalJourney.NewId();
        var email = $"csp-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            var policy = (await page.GotoAsync("/Account/Login"))!.Headers["content-security-policy"];
            Assert.Contains("frame-ancestors 'none'", policy);
            // The static pages' theme button works without an inline handler: dark, then light again.
            await page.GetByTestId("theme-toggle").ClickAsync();
            await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-theme-dark", "false");
            await page.GetByTestId("theme-toggle").ClickAsync();
            await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-theme-dark", "true");

            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Policy Labs {id}", $"policy-labs-{id}");

            await page.GotoAsync("/");
            await Expect(page.Locator("body")).ToContainTextAsync($"Policy Labs {id}");

            await page.GotoAsync("/catalog/gpus");
            await Expect(page.GetByTestId("sku-table").Locator("tbody tr")).ToHaveCountAsync(5);

            // The lease form is interactive (its live check prices the request) and the review page shows the hold.
            await leases.OpenEmptyLeasesAsync();
            await leases.FillNewLeaseAsync("A100 80 GB", "us-east-2", gpus: 2, hours: 2, expectedTotal: "$5.16");
            await leases.QuoteAndHoldAsync("$5.16");

            await page.GotoAsync("/Account/Manage");
            await Expect(page.Locator("[id='Input.PhoneNumber']")).ToBeVisibleAsync();
            await screenshots.TakeAsync(page, "account-page");

            // Scalar renders the OpenAPI document in the page with its own scripts.
            await page.GotoAsync("/api/docs/");
            // The first tag's operations: Scalar renders later tags only as the reader scrolls (the introduction pushes them down).
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "get /api/v1/availability" })).ToBeAttachedAsync(new() { Timeout = 30_000 });
            await screenshots.TakeAsync(page, "api-reference");

            await page.Context.ClearCookiesAsync();
            await journey.SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
            await page.GotoAsync("/admin/jobs/recurring");
            await Expect(page.Locator("body")).ToContainTextAsync("purge-outbox");
            await screenshots.TakeAsync(page, "jobs-dashboard");
        });
        await page.Context.CloseAsync();

        Assert.True(violations.Count == 0, "CSP violations:\n" + string.Join("\n", violations));
    }
}
