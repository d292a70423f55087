using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.BrowserTests;

/// <summary>
/// Issue 16: axe-core on the main pages of a tenant and of Support, at 1280 and 390 px, in light and dark mode: no serious
/// or critical violation. One signed-in page per test visits every page once per look (width and theme change four
/// times, not once per page), so the whole class costs about a minute.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class AccessibilityTests(PortalInChromium portal)
{
    [Fact]
    public async Task A_tenants_main_pages_have_no_serious_accessibility_problems_in_either_theme_at_desk_or_phone_width()
    {
        var id = PortalJourney.NewId();
        var slug = $"access-co-{id}";
        var email = $"access-{id}@example.com";
        var screenshots = new StepScreenshots("accessibility-tenant");
        var page = await portal.NewPageAsync();
        var journey = new PortalJourney(page, screenshots);
        await journey.RegisterAsync(email);
        await journey.ConfirmThroughOutboxAsync(email);
        await journey.SignInAsync(email, PortalJourney.Password);
        await journey.CreateOrganizationAsync($"Access Co {id}", slug);
        // Last month's ended lease and its invoice, so that the lists and the lease page have something to show.
        await new InvoiceJourney(page, screenshots, portal.Server).SeedLastMonthsInvoiceAsync(slug);
        var leaseId = await FirstLeaseIdAsync(slug);

        var checks = new PageChecks(page, screenshots);
        await CheckPagesAsync(page, screenshots, checks,
        [
            ("dashboard", "/"), ("gpu-catalog", "/catalog/gpus"), ("sku", "/catalog/gpus/h100-sxm-80gb"), ("models", "/catalog/models"),
            ("availability", "/catalog/availability"), ("leases", "/leases"), ("lease", $"/leases/{leaseId}"), ("new-lease", "/leases/new"),
            ("usage", "/usage"), ("invoices", "/billing/invoices"), ("api-keys", "/settings/api-keys"),
        ]);
    }

    [Fact]
    public async Task Supports_main_pages_have_no_serious_accessibility_problems_in_either_theme_at_desk_or_phone_width()
    {
        var screenshots = new StepScreenshots("accessibility-support");
        var page = await portal.NewPageAsync();
        await new PortalJourney(page, screenshots).SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
        var supportId = await SupportUserIdAsync();

        await CheckPagesAsync(page, screenshots, new PageChecks(page, screenshots),
        [
            ("home", "/"), ("tenants", "/admin/tenants"), ("users", "/admin/users"), ("user", $"/admin/users/{supportId}"),
            ("leases", "/admin/leases"), ("audit", "/admin/audit"),
        ]);
    }

    private static async Task CheckPagesAsync(IPage page, StepScreenshots screenshots, PageChecks checks, (string Name, string Path)[] pages)
    {
        await screenshots.RecordAsync(page, async () =>
        {
            foreach (var (width, dark) in PageChecks.Looks)
            {
                await checks.SetLookAsync(width, dark);
                foreach (var (name, path) in pages)
                {
                    // Network idle: the circuit is up and the page's own loads are done, whatever the page shows.
                    await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.NetworkIdle });
                    await checks.CheckAsync(name);
                }
            }
        });
        await page.Context.CloseAsync();
        checks.AssertNoSeriousViolations();
    }

    private async Task<Guid> FirstLeaseIdAsync(string slug)
    {
        await using var scope = portal.Server.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.ActAsSupport();
        return await db.Leases.Where(l => db.Tenants.Any(t => t.Id == l.TenantId && t.Slug == slug)).Select(l => l.Id).FirstAsync();
    }

    private async Task<string> SupportUserIdAsync()
    {
        await using var scope = portal.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return (await users.FindByEmailAsync(PortalServer.SupportEmail))!.Id;
    }
}
