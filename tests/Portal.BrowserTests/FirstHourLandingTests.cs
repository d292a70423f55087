using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.BrowserTests;

/// <summary>
/// A customer's first hour, from the landing page: what is sold and at what price, the public catalog without an account,
/// and "Lease this" (on a SKU, on a calendar day) leading through sign-in to the New lease form filled in.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class FirstHourLandingTests(PortalInChromium portal)
{
    [Fact]
    public async Task A_visitor_sees_prices_and_models_opens_a_sku_without_an_account_signs_up_from_lease_this_and_lands_on_the_filled_form()
    {
        var id = PortalJourney.NewId();
        var email = $"first-hour-{id}@example.com";
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("first-hour-landing");
        var journey = new PortalJourney(page, screenshots);
        await screenshots.RecordAsync(page, async () =>
        {
            await page.GotoAsync("/");
            await Expect(page.GetByTestId("landing-sku")).ToHaveCountAsync(5);
            await Expect(page.GetByTestId("landing-skus")).ToContainTextAsync("$4.99");
            await Expect(page.GetByTestId("landing-sku-free").First).ToContainTextAsync(new Regex(@"Free today: [\d,]+ GPUs in us-"));
            await Expect(page.GetByTestId("landing-model")).ToHaveCountAsync(4);
            await Expect(page.GetByTestId("landing-models")).ToContainTextAsync("Muse Spark");
            await Expect(page.GetByTestId("landing-sign-up")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("landing-sign-in")).ToBeVisibleAsync();
            await ThemedScreenshots.TakeAsync(page, screenshots, "landing", "[data-testid=landing-skus]");

            // The catalog opens without an account, from the landing page.
            await page.GetByTestId("landing-skus").GetByRole(AriaRole.Link, new() { Name = "Compare all GPUs" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/catalog/gpus$"));
            await Expect(page.GetByTestId("sku-table").Locator("tbody tr")).ToHaveCountAsync(5);
            await page.GetByRole(AriaRole.Link, new() { Name = "B200 180 GB" }).ClickAsync();
            await Expect(page.GetByTestId("sku-lease")).ToBeVisibleAsync();
            await ThemedScreenshots.TakeAsync(page, screenshots, "sku", "[data-testid=sku-regions]");

            await page.GetByTestId("sku-lease-us-south-1").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
            await ThemedScreenshots.TakeAsync(page, screenshots, "sign-in", "#login-submit");

            // No account yet: sign up from the sign-in page; the way back to the form is kept at every step.
            await page.Locator(".account-links").GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Register"));
            await page.Locator("[name='Input.Email']").FillAsync(email);
            await page.Locator("[name='Input.Password']").FillAsync(PortalJourney.Password);
            await page.Locator("[name='Input.ConfirmPassword']").FillAsync(PortalJourney.Password);
            await page.Locator("[name='Input.ConfirmPassword']").PressAsync("Enter");
            await Expect(page).ToHaveURLAsync(new Regex("/Account/RegisterConfirmation"));
            await journey.ConfirmThroughOutboxAsync(email);
            await page.GetByTestId("confirm-sign-in").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
            await SignInHereAsync(page, email);

            await Expect(page).ToHaveURLAsync(new Regex(@"/organizations/new\?returnUrl="));
            await Expect(page.GetByTestId("create-organization")).ToBeEnabledAsync();
            await page.Locator("#org-name").FillAsync($"First Hour {id}");
            await page.Locator("#org-name").BlurAsync();
            await Expect(page.Locator("#org-slug")).ToHaveValueAsync($"first-hour-{id}");
            await page.GetByTestId("create-organization").ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex(@"/leases/new\?sku=b200-180gb&region=us-south-1$"));
            await Expect(page.GetByTestId("lease-form").Locator("input:not([type=checkbox])").First).ToHaveValueAsync("B200 180 GB");
            await Expect(page.GetByTestId("fits")).ToContainTextAsync("in us-south-1");
            await ThemedScreenshots.TakeAsync(page, screenshots, "new-lease-from-sku", "[data-testid=fits]");
        });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_visitor_picks_a_day_on_the_calendar_reads_its_hours_and_lease_this_day_lands_on_the_form_for_that_day()
    {
        var email = await CreateCustomerAsync();
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("first-hour-calendar");
        await screenshots.RecordAsync(page, async () =>
        {
            await page.GotoAsync("/catalog/availability?region=us-south-1&sku=b200-180gb");
            await Expect(page.GetByTestId("availability-day")).ToHaveCountAsync(90);
            await Expect(page.GetByTestId("availability-month").First.Locator(".availability-weekday")).ToHaveCountAsync(7);
            await Expect(page.GetByTestId("availability-legend")).ToContainTextAsync("GPUs free all day");

            // Two days ahead: every hour is still to come, so the lease starts at its midnight.
            var day = DateTime.UtcNow.Date.AddDays(2);
            async Task PickDayAsync()
            {
                await page.GetByTestId("availability-day").Nth(2).ClickAsync();
                await Expect(page.GetByTestId("availability-hours")).ToContainTextAsync(day.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture));
            }
            await PickDayAsync();
            await Expect(page.GetByTestId("availability-hour")).ToHaveCountAsync(24);
            await Expect(page.GetByTestId("availability-reason")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("availability-out-of-service")).ToContainTextAsync("maintenance"); // the seeded fleet has a few
            await ThemedScreenshots.TakeAsync(page, screenshots, "calendar-day", "[data-testid=availability-hours]", PickDayAsync);

            await page.GetByTestId("availability-lease").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
            await SignInHereAsync(page, email);

            await Expect(page).ToHaveURLAsync(new Regex(@"/leases/new\?sku=b200-180gb&region=us-south-1&gpus=1&start="));
            var window = $"{day:yyyy-MM-dd} 00:00 – {day.AddDays(1):yyyy-MM-dd} 00:00 UTC";
            await Expect(page.GetByTestId("fits")).ToContainTextAsync(new Regex($@"1 GPUs? in us-south-1, {Regex.Escape(window)}"));
            await ThemedScreenshots.TakeAsync(page, screenshots, "new-lease-from-calendar", "[data-testid=fits]");
        });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_api_reference_is_titled_as_the_product_introduces_keys_and_errors_and_has_no_deploy_button()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("first-hour-api-reference");
        await screenshots.RecordAsync(page, async () =>
        {
            await page.GotoAsync("/api/docs/");
            await Expect(page).ToHaveTitleAsync("Portal GPU Cloud API");
            // Scalar renders the document's title and introduction once its script has loaded the OpenAPI document.
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Portal GPU Cloud API" }).First).ToBeVisibleAsync();
            await Expect(page.GetByText("Authorization: Bearer sk-portal-…").First).ToBeVisibleAsync();
            await Expect(page.GetByText("RFC 7807", new() { Exact = false }).First).ToBeVisibleAsync();
            // Scalar's developer toolbar (shown on localhost by default) offers "Deploy" to Scalar's hosted registry.
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deploy" })).ToHaveCountAsync(0);
            await Expect(page.GetByText("Deploy", new() { Exact = true })).ToHaveCountAsync(0);
            await screenshots.TakeAsync(page, "api-reference");
        });
        await page.Context.CloseAsync();
    }

    /// <summary>On the sign-in page the visitor was sent to: the form keeps where they were going.</summary>
    private static async Task SignInHereAsync(IPage page, string email)
    {
        await page.Locator("[name='Input.Email']").FillAsync(email);
        await page.Locator("[name='Input.Password']").FillAsync(PortalJourney.Password);
        await page.Locator("[name='Input.Password']").PressAsync("Enter");
        await Expect(page).Not.ToHaveURLAsync(new Regex("/Account/Login"));
    }

    /// <summary>A confirmed customer with an organisation, made directly: the sign-up path has its own journey (SignUpTests).</summary>
    private async Task<string> CreateCustomerAsync()
    {
        var email = $"first-hour-{PortalJourney.NewId()}@example.com";
        await using var scope = portal.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTime.UtcNow };
        var created = await users.CreateAsync(user, PortalJourney.Password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        var name = "First Hour " + PortalJourney.NewId();
        await scope.ServiceProvider.GetRequiredService<OrganizationService>().CreateAsync(user.Id, name, OrganizationService.SuggestSlug(name));
        return email;
    }
}
