using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.BrowserTests;

/// <summary>
/// Issue 16's Support walk: the home is a queue of what needs a person (here a lease to approve and a failed provisioning),
/// its rows lead where each is handled, and a self-registered user's page answers what Support asks first.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class SupportFirstMorningTests(PortalInChromium portal)
{
    [Fact]
    public async Task Support_works_the_queue_from_home_and_reads_a_self_registered_users_account()
    {
        var id = PortalJourney.NewId();
        var name = $"Morning Labs {id}";
        var email = $"morning-{id}@example.com";
        var screenshots = new StepScreenshots("support-first-morning");

        // A customer signs up on their own, mistypes their password once, then signs in and creates an organisation.
        var customer = await portal.NewPageAsync();
        var journey = new PortalJourney(customer, screenshots);
        await journey.RegisterAsync(email);
        await journey.ConfirmThroughOutboxAsync(email);
        await customer.GotoAsync("/Account/Login");
        await customer.Locator("[name='Input.Email']").FillAsync(email);
        await customer.Locator("[name='Input.Password']").FillAsync("not my password");
        await customer.Locator("[name='Input.Password']").PressAsync("Enter");
        await Expect(customer.Locator("body")).ToContainTextAsync("Invalid");
        await journey.SignInAsync(email, PortalJourney.Password);
        await journey.CreateOrganizationAsync(name, $"morning-labs-{id}");
        await customer.Context.CloseAsync();
        var (pending, failed) = await SeedLeasesAsync($"morning-labs-{id}");

        var page = await portal.NewPageAsync();
        var checks = new PageChecks(page, screenshots);
        await screenshots.RecordAsync(page, async () =>
        {
            await new PortalJourney(page, screenshots).SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
            await Expect(page).ToHaveURLAsync(new Regex(@"^http://localhost:\d+/$"));
            var approval = page.GetByTestId("queue-approval").GetByTestId("queue-item").Filter(new() { HasText = name });
            var provisioning = page.GetByTestId("queue-provisioning").GetByTestId("queue-item").Filter(new() { HasText = name });
            await Expect(approval).ToContainTextAsync("2 GPUs");
            await Expect(provisioning).ToContainTextAsync("No node answered in time");
            await Expect(page.GetByTestId("queue-verify")).ToBeVisibleAsync();
            await checks.CheckEveryLookAsync("support-home", "support-queue");

            // Each row opens the page where it is handled.
            // Followed by address, as the other journeys do: a click while the reloaded page's circuit starts can be lost.
            await page.GotoAsync(await PortalJourney.HrefAsync(approval.GetByRole(AriaRole.Link)));
            await Expect(page).ToHaveURLAsync(new Regex($"/admin/leases/{pending}$"));
            await Expect(page.GetByTestId("approve-lease")).ToBeVisibleAsync();
            await screenshots.TakeAsync(page, "lease-to-approve");
            await page.GoBackAsync();
            await page.GotoAsync(await PortalJourney.HrefAsync(provisioning.GetByRole(AriaRole.Link)));
            await Expect(page).ToHaveURLAsync(new Regex($"/admin/leases/{failed}$"));
            await Expect(page.Locator("body")).ToContainTextAsync("No node answered in time");
            await screenshots.TakeAsync(page, "failed-lease");

            // The customer's account: when it was made, its e-mail and second factor, its sign-ins and the audit trail.
            await page.GotoAsync($"/admin/users?q={Uri.EscapeDataString(email)}");
            await page.GotoAsync(await PortalJourney.HrefAsync(page.GetByTestId("user-link").First));
            await Expect(page.GetByTestId("user-created")).ToContainTextAsync(DateTime.UtcNow.ToString("yyyy"));
            await Expect(page.GetByTestId("user-created")).Not.ToContainTextAsync("0001");
            await Expect(page.GetByTestId("user-email-confirmed")).ToHaveTextAsync("Confirmed");
            await Expect(page.GetByTestId("user-two-factor")).ToHaveTextAsync("Off");
            await Expect(page.GetByTestId("user-last-sign-in")).Not.ToContainTextAsync("Never");
            await Expect(page.GetByTestId("user-failed-sign-ins")).ToContainTextAsync("1 failed and 0 lockouts");
            await Expect(page.GetByTestId("user-memberships-table")).ToContainTextAsync(name);
            await Expect(page.GetByTestId("user-memberships-table")).ToContainTextAsync("Owner");
            var audit = page.GetByTestId("user-audit-table");
            await Expect(audit).ToContainTextAsync("user.signed_in");
            await Expect(audit).ToContainTextAsync("user.sign_in_failed");
            await Expect(audit).Not.ToContainTextAsync("Nothing recorded yet");
            await checks.CheckEveryLookAsync("user", "user-created");
        });
        await page.Context.CloseAsync();
        checks.AssertNoSeriousViolations();
    }

    /// <summary>A lease awaiting approval and one whose provisioning failed, as the lease services leave them.</summary>
    private async Task<(Guid Pending, Guid Failed)> SeedLeasesAsync(string slug)
    {
        await using var scope = portal.Server.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.ActAsSupport();
        var tenantId = await db.Tenants.Where(t => t.Slug == slug).Select(t => t.Id).SingleAsync();
        var start = DateTime.UtcNow.AddDays(2).Date.AddHours(9);
        Lease Lease(LeaseState state) => new()
        {
            TenantId = tenantId, RegionId = "us-east-2", SkuId = "a100-80gb", Gpus = 2, Start = start, End = start.AddHours(3), State = state,
            MicrosPerGpuHour = 1_290_000, OnDemandMicrosPerGpuHour = 1_290_000, PriceMicros = 7_740_000, NeedsApproval = true,
            CreatedAt = DateTime.UtcNow, SignedAt = DateTime.UtcNow, SignerName = "Ada Lovelace",
            FailureReason = state == LeaseState.Failed ? "No node answered in time" : null,
        };
        var pending = Lease(LeaseState.PendingApproval);
        var failed = Lease(LeaseState.Failed);
        db.Leases.AddRange(pending, failed);
        await db.SaveChangesAsync();
        return (pending.Id, failed.Id);
    }
}
