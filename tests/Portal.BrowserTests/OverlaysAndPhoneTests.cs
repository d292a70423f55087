using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.BrowserTests;

/// <summary>
/// Issue 16, "Overlays, phones, contrast": a success toast leaves the page's top-right buttons clear, the bell's menu closes
/// on Escape, and on a phone the filters' labels and the allocations table fit instead of being cut.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class OverlaysAndPhoneTests(PortalInChromium portal)
{
    [Fact]
    public async Task Toasts_leave_the_buttons_clear_the_bell_closes_on_Escape_and_phone_filters_and_tables_fit()
    {
        var id = PortalJourney.NewId();
        var slug = $"overlay-co-{id}";
        var email = $"overlay-{id}@example.com";
        var screenshots = new StepScreenshots("overlays-and-phone");
        var page = await portal.NewPageAsync();
        var journey = new PortalJourney(page, screenshots);

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Overlay Co {id}", slug);
            await new InvoiceJourney(page, screenshots, portal.Server).SeedLastMonthsInvoiceAsync(slug);

            // The toast of a revoked key, at desk and at phone width: not over "New key", nor over the bell, and on screen.
            await page.GotoAsync("/settings/api-keys");
            foreach (var width in new[] { PageChecks.DeskWidth, PageChecks.PhoneWidth })
            {
                await page.SetViewportSizeAsync(width, 844);
                await CreateAndRevokeKeyAsync(page, $"key-{width}");
                var toast = page.Locator(".mud-snackbar", new() { HasText = "revoked" }).Last;
                await Expect(toast).ToBeVisibleAsync();
                await screenshots.TakeAsync(page, $"toast-at-{width}px");
                var box = (await toast.BoundingBoxAsync())!;
                foreach (var testId in new[] { "new-api-key", "notification-button" })
                {
                    var button = (await page.GetByTestId(testId).BoundingBoxAsync())!;
                    Assert.False(Overlap(box, button), $"At {width} px the toast {Describe(box)} covers {testId} {Describe(button)}.");
                }
                Assert.True(box.X >= 0 && box.X + box.Width <= width, $"At {width} px the toast {Describe(box)} runs off the screen.");
                await toast.Locator("button").First.ClickAsync(); // its close button
                await Expect(toast).ToHaveCountAsync(0);
            }

            // The bell's menu closes on Escape, as menus do.
            await page.SetViewportSizeAsync(PageChecks.DeskWidth, 900);
            await page.GetByTestId("notification-button").ClickAsync();
            await Expect(page.GetByTestId("mark-all-read")).ToBeVisibleAsync();
            await screenshots.TakeAsync(page, "bell-open");
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.GetByTestId("mark-all-read")).ToBeHiddenAsync();
            await screenshots.TakeAsync(page, "bell-closed-by-escape");

            // On a phone: every filter label in full, and the allocations table no wider than its card.
            await page.SetViewportSizeAsync(PageChecks.PhoneWidth, 844);
            foreach (var path in new[] { "/catalog/gpus", "/leases" })
            {
                await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.NetworkIdle });
                var cut = await page.EvaluateAsync<string[]>("""
                    () => [...document.querySelectorAll('.mud-main-content label.mud-input-label')]
                        .filter(l => {
                            const box = l.getBoundingClientRect();
                            const icon = l.closest('.mud-input-control')?.querySelector('.mud-input-adornment-end');
                            return l.scrollWidth > l.clientWidth || (icon && box.right > icon.getBoundingClientRect().left + 1);
                        })
                        .map(l => l.textContent.trim())
                    """);
                await screenshots.TakeAsync(page, $"filters{path.Replace('/', '-')}-at-390px");
                Assert.True(cut.Length == 0, $"On {path} at 390 px these filter labels are cut: {string.Join(", ", cut)}.");
            }
            await page.GotoAsync($"/leases/{await LeaseIdAsync(slug)}", new() { WaitUntil = WaitUntilState.NetworkIdle });
            var allocations = page.GetByTestId("lease-allocations");
            await Expect(allocations).ToBeVisibleAsync();
            await screenshots.TakeAsync(page, "lease-at-390px");
            var overflow = await allocations.EvaluateAsync<int>(
                "card => Math.max(0, ...[...card.querySelectorAll('.mud-table-container, table')].map(e => e.scrollWidth - e.clientWidth))");
            Assert.True(overflow <= 1, $"At 390 px the allocations table is {overflow} px wider than its card: its columns are cut.");
        });
        await page.Context.CloseAsync();
    }

    private static async Task CreateAndRevokeKeyAsync(IPage page, string name)
    {
        var create = page.GetByTestId("new-api-key");
        await Expect(create).ToBeEnabledAsync();
        await create.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("#api-key-name").FillAsync(name);
        await dialog.GetByTestId("create-api-key").ClickAsync();
        await dialog.GetByTestId("secret-done").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var row = page.GetByTestId("api-keys-table").Locator("tr", new() { HasText = name });
        await row.GetByTestId("revoke-api-key").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
    }

    private static bool Overlap(LocatorBoundingBoxResult a, LocatorBoundingBoxResult b) =>
        a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;

    private static string Describe(LocatorBoundingBoxResult b) => $"({b.X:0},{b.Y:0} {b.Width:0}×{b.Height:0})";

    private async Task<Guid> LeaseIdAsync(string slug)
    {
        await using var scope = portal.Server.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.ActAsSupport();
        return await db.Leases.Where(l => db.Tenants.Any(t => t.Id == l.TenantId && t.Slug == slug)).Select(l => l.Id).FirstAsync();
    }
}
