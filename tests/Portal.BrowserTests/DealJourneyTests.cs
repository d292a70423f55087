using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.BrowserTests;

/// <summary>
/// Issue 18's deal, as the two people in it see it: a tenant signs a lease over the approval threshold and is told by when
/// Support decides; Support sends amended terms (a negotiated rate with a reason) and cannot approve over them; the tenant
/// reads and signs them, which approves the lease at the negotiated price, and downloads the amended agreement.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed partial class DealJourneyTests(PortalInChromium portal)
{
    private const string Reason = "Framework agreement FA-2027-01 with Deal Labs: a committed year of whole halls at 20% off the list price";

    [Fact]
    public async Task A_large_lease_is_reviewed_amended_by_support_and_runs_at_the_negotiated_price_once_the_tenant_signs()
    {
        var id = PortalJourney.NewId();
        var email = $"deal-{id}@example.com";
        await CreateVerifiedCustomerAsync(email, $"Deal Labs {id}");
        var tenant = await portal.NewPageAsync();
        var support = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("deal-journey");

        await screenshots.RecordAsync(tenant, async () =>
        {
            await new PortalJourney(tenant, screenshots).SignInAsync(email, PortalJourney.Password);
            // 72 GPUs, over the 64-GPU approval threshold, for 2 hours from now at the list $2.49: 144 GPU-hours, $358.56.
            await tenant.GotoAsync("/leases/new");
            await Expect(tenant.GetByTestId("quote-and-hold")).ToBeEnabledAsync();
            await ChooseAsync(tenant, "lease-sku", "H100 SXM 80 GB");
            await ChooseAsync(tenant, "lease-region", "us-south-1");
            await FillSettledAsync(tenant, "#lease-gpus", "72");
            await ChooseAsync(tenant, "lease-duration-unit", "hours", exact: true);
            await FillSettledAsync(tenant, "#lease-duration", "2");
            await Expect(tenant.GetByTestId("quote-panel").GetByTestId("price-total")).ToHaveTextAsync("$358.56");
            await tenant.GetByTestId("quote-and-hold").ClickAsync();
            await Expect(tenant).ToHaveURLAsync(ReviewUrl());
            var leaseId = Guid.Parse(ReviewUrl().Match(tenant.Url).Groups["id"].Value);
            var form = tenant.GetByTestId("sign-form");
            await form.Locator("#signer-name").FillAsync("Ada Lovelace");
            await form.Locator("input[type=checkbox]").CheckAsync();
            await form.GetByTestId("sign").ClickAsync();
            await Expect(tenant).ToHaveURLAsync(new Regex($"/leases/{leaseId}$"));
            await Expect(tenant.GetByTestId("deal-under-review"))
                .ToContainTextAsync(new Regex(@"Under review by Support until \d{4}-\d\d-\d\d \d\d:\d\d UTC"));
            await ThemedScreenshots.TakeAsync(tenant, screenshots, "tenant-under-review", "[data-testid=deal-under-review]");

            // Support amends the price; Approve is off while the tenant has the terms, and says why.
            await new PortalJourney(support, screenshots).SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
            await support.GotoAsync($"/admin/leases/{leaseId}");
            await Expect(support.GetByTestId("approve-lease")).ToBeEnabledAsync();
            await FillSettledAsync(support, "#deal-rate", "1.99");
            await FillSettledAsync(support, "#deal-reason", Reason);
            await support.GetByTestId("deal-propose").ClickAsync();
            await Expect(support.GetByTestId("deal-offer-row")).ToContainTextAsync("$1.99 per GPU-hour");
            await Expect(support.GetByTestId("approve-lease")).ToBeDisabledAsync();
            await Expect(support.GetByTestId("approve-waits")).ToContainTextAsync("signing them approves the lease");
            await ThemedScreenshots.TakeAsync(support, screenshots, "support-terms-sent", "[data-testid=approve-waits]");

            // The tenant's open page shows the amended terms without a reload; they read and sign them.
            var offer = tenant.GetByTestId("deal-offer");
            await Expect(offer.GetByTestId("deal-offer-terms")).ToContainTextAsync("$1.99 per GPU-hour");
            await Expect(offer.GetByTestId("deal-offer-total")).ToContainTextAsync("$286.56");
            await Expect(offer.GetByTestId("deal-offer-reason")).ToHaveTextAsync(Reason);
            await ThemedScreenshots.TakeAsync(tenant, screenshots, "tenant-amended-terms", "[data-testid=deal-offer]");
            await FillSettledAsync(tenant, "#deal-signer", "Ada Lovelace");
            await offer.Locator("input[type=checkbox]").CheckAsync();
            await tenant.GetByTestId("deal-sign").ClickAsync();
            await Expect(tenant.GetByTestId("deal-accepted")).ToContainTextAsync("$1.99 per GPU-hour");
            await Expect(tenant.GetByTestId("lease-state").First).ToHaveTextAsync(new Regex("Scheduled|Provisioning|Active"));
            await Expect(tenant.GetByTestId("total-signed")).ToHaveTextAsync("$286.56");
            await Expect(tenant.GetByTestId("lease-rate")).ToHaveTextAsync("$1.99 per GPU-hour (negotiated; list $2.49)");
            await ExpectAmendedPdfAsync(tenant);
            await ThemedScreenshots.TakeAsync(tenant, screenshots, "tenant-signed-negotiated", "[data-testid=deal-accepted]");

            // Signing approved it: Support's page shows it going on, with nothing left to approve.
            await support.ReloadAsync();
            await Expect(support.GetByTestId("admin-lease-state")).ToHaveTextAsync(new Regex("Scheduled|Provisioning|Active"));
            await Expect(support.GetByTestId("approve-lease")).ToHaveCountAsync(0);
            await Expect(support.GetByTestId("deal-offer-row")).ToContainTextAsync("Accepted");
            await screenshots.TakeAsync(support, "support-after-signature");
        });
        await tenant.Context.CloseAsync();
        await support.Context.CloseAsync();
    }

    /// <summary>The amended agreement downloads beside the original and prints the rate and the hash the page shows.</summary>
    private static async Task ExpectAmendedPdfAsync(IPage page)
    {
        await Expect(page.GetByTestId("agreement-download")).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("amended-agreement-download").ClickAsync());
        Assert.Contains("-amended-", download.SuggestedFilename);
        var text = PdfText.Of(await File.ReadAllBytesAsync(await download.PathAsync()));
        var sha = Regex.Match(await page.GetByTestId("deal-accepted-record").InnerTextAsync(), "[0-9a-f]{64}").Value;
        Assert.Contains(sha, text);
        Assert.Contains("$1.99 per GPU-hour", text.Replace("\n", " "));
    }

    /// <summary>A confirmed customer with a verified organisation (the unverified quota is 8 GPUs): sign-up has its own journey.</summary>
    private async Task CreateVerifiedCustomerAsync(string email, string organisation)
    {
        await using var scope = portal.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTime.UtcNow };
        Assert.True((await users.CreateAsync(user, PortalJourney.Password)).Succeeded);
        var created = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(user.Id, organisation, OrganizationService.SuggestSlug(organisation));
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.ActAsSupport();
        await db.Tenants.Where(t => t.Id == created.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Verified, true));
    }

    private static async Task ChooseAsync(IPage page, string selectTestId, string option, bool exact = false)
    {
        await page.GetByTestId(selectTestId).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = exact }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);
    }

    /// <summary>Types a value until it stays: a render from the server may land mid-typing on a busy machine (as LeaseJourney does).</summary>
    private static async Task FillSettledAsync(IPage page, string selector, string value)
    {
        var field = page.Locator(selector);
        for (var attempt = 0; attempt < 5 && await field.InputValueAsync() != value; attempt++)
        {
            await field.FillAsync(value);
            await Task.Delay(300);
        }
        await Expect(field).ToHaveValueAsync(value);
    }

    [GeneratedRegex(@"/leases/(?<id>[0-9a-f-]{36})/review$")]
    private static partial Regex ReviewUrl();
}
