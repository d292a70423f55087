using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>
/// What a person does in the portal, step by step, checking at each step what they would see.
/// Selectors are field names, ids and data-testid attributes: the pages' styling may change freely.
/// </summary>
public sealed class PortalJourney(IPage page, StepScreenshots screenshots)
{
    public const string Password = "correct horse battery staple";

    /// <summary>A short id that makes this run's e-mail addresses and organisation names unique.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N")[..8];

    public async Task RegisterAsync(string email)
    {
        await page.GotoAsync("/Account/Register");
        await page.Locator("[name='Input.Email']").FillAsync(email);
        await page.Locator("[name='Input.Password']").FillAsync(Password);
        await page.Locator("[name='Input.ConfirmPassword']").FillAsync(Password);
        await screenshots.TakeAsync(page, "register-form");
        // Enter submits the form as a person would, whichever way the button is styled.
        await page.Locator("[name='Input.ConfirmPassword']").PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("/Account/RegisterConfirmation"));
        await Expect(page.Locator("body")).ToContainTextAsync(email);
        await screenshots.TakeAsync(page, "check-your-email");
    }

    /// <summary>
    /// Support reads the newest message to <paramref name="email"/> in the outbox (in a browser of their own: only Support
    /// may read it), and the user follows its link here, as in the README's first run.
    /// </summary>
    public async Task ConfirmThroughOutboxAsync(string email)
    {
        await page.GotoAsync(await OutboxLinkAsync(email));
        await Expect(page).ToHaveURLAsync(new Regex("/Account/ConfirmEmail"));
        await Expect(page.Locator("body")).ToContainTextAsync("thank you for confirming", new() { IgnoreCase = true });
        await screenshots.TakeAsync(page, "email-confirmed");
    }

    /// <summary>The first link in the newest outbox message to <paramref name="email"/>, read by Support in a separate browser context.</summary>
    public async Task<string> OutboxLinkAsync(string email)
    {
        var origin = new Uri(page.Url).GetLeftPart(UriPartial.Authority);
        var context = await page.Context.Browser!.NewContextAsync(new() { BaseURL = origin, ViewportSize = new() { Width = 1280, Height = 900 } });
        try
        {
            var support = await context.NewPageAsync();
            await support.GotoAsync("/Account/Login");
            await support.Locator("[name='Input.Email']").FillAsync(PortalServer.SupportEmail);
            await support.Locator("[name='Input.Password']").FillAsync(PortalServer.SupportPassword);
            await support.Locator("[name='Input.Password']").PressAsync("Enter");
            await Expect(support).Not.ToHaveURLAsync(new Regex("/Account/Login"));

            await support.GotoAsync("/dev/outbox");
            // The outbox lists the newest message first.
            var message = support.GetByTestId("outbox-table").Locator("tr", new() { HasText = email }).First;
            await Expect(message).ToBeVisibleAsync();
            await screenshots.TakeAsync(support, "outbox");

            // Followed by address, not clicked: a click while the list page's circuit is still starting could be undone by it
            // (seen under load: the message opened, then the list came back).
            await support.GotoAsync(await HrefAsync(message.Locator("a").First));
            var body = support.GetByTestId("outbox-body");
            await Expect(body).ToBeVisibleAsync();
            await Expect(support.Locator("body")).ToContainTextAsync(email);
            await screenshots.TakeAsync(support, "confirmation-email");
            return await HrefAsync(body.Locator("a").First);
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    public static async Task<string> HrefAsync(ILocator link)
    {
        await Expect(link).ToBeVisibleAsync();
        var href = await link.GetAttributeAsync("href");
        Assert.False(string.IsNullOrEmpty(href), "The link has no address.");
        return href!;
    }

    public async Task SignInAsync(string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.Locator("[name='Input.Email']").FillAsync(email);
        await page.Locator("[name='Input.Password']").FillAsync(password);
        await screenshots.TakeAsync(page, "sign-in-form");
        await page.Locator("[name='Input.Password']").PressAsync("Enter");
        await Expect(page).Not.ToHaveURLAsync(new Regex("/Account/Login"));
    }

    /// <summary>On /organizations/new, where a signed-in user with no organisation is sent.</summary>
    public async Task CreateOrganizationAsync(string name, string expectedSlug)
    {
        await Expect(page).ToHaveURLAsync(new Regex("/organizations/new$"));
        var create = page.GetByTestId("create-organization");
        // Prerendered buttons ignore clicks until the circuit is up; the page disables it until then.
        await Expect(create).ToBeEnabledAsync();

        await page.Locator("#org-name").FillAsync(name);
        await page.Locator("#org-name").BlurAsync();
        await Expect(page.Locator("#org-slug")).ToHaveValueAsync(expectedSlug);
        await screenshots.TakeAsync(page, "new-organisation-form");

        await create.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"^http://localhost:\d+/$"));
    }

    /// <summary>The dashboard as the Owner of <paramref name="organisation"/> sees it.</summary>
    public async Task ExpectOwnerDashboardAsync(string organisation)
    {
        await Expect(page).ToHaveURLAsync(new Regex(@"^http://localhost:\d+/$"));
        await Expect(page.GetByTestId("org-switcher-button")).ToContainTextAsync(organisation);
        await Expect(page.GetByTestId("dashboard-role")).ToContainTextAsync("Owner");
        await Expect(page.GetByTestId("dashboard-role")).ToContainTextAsync(organisation);
    }
}
