using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Web.Admin;

namespace Portal.Tests.Leases;

/// <summary>Support's lease pages through the real host: only Support gets in; the queue, the lease and the tenant's limits show.</summary>
public class LeaseAdminPagesTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private AsyncServiceScope support;

    public async Task InitializeAsync()
    {
        // The lease page as Support's circuit runs it: interactive, on the portal's services, acting as the support account.
        support = await SupportScope.CreateAsync(factory);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(support.Get<LeaseAdminQueries>());
        ctx.Services.AddSingleton(support.Get<LeaseAdminDecisions>());
        ctx.Services.AddSingleton(support.Get<Portal.Core.Deals.DealDesk>());
        ctx.Services.AddSingleton(factory.Services.GetRequiredService<PortalChanges>());
        ctx.Services.AddSingleton<TimeProvider>(factory.Clock);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await support.DisposeAsync();
    }

    [Fact]
    public async Task Support_rejects_a_lease_on_its_page_with_a_reason()
    {
        var (leaseId, _) = await PendingLeaseAsync();
        ctx.Render<MudPopoverProvider>();
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<AdminLeasePage>(p => p.Add(x => x.Id, leaseId));

        page.WaitForElement("[data-testid=reject-lease]").Click();
        dialogs.WaitForElement("#reason").Input("No credit check on file");
        dialogs.Find("[data-testid=reason-confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal("Rejected", page.Find("[data-testid=admin-lease-state]").TextContent.Trim()));
        Assert.Contains("No credit check on file", page.Find("[data-testid=admin-lease-decision]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=approve-lease]"));
        Assert.Equal(LeaseState.Rejected, await StateAsync(leaseId));
    }

    [Fact]
    public async Task Support_approves_a_lease_on_its_page_after_confirming()
    {
        var (leaseId, _) = await PendingLeaseAsync();
        ctx.Render<MudPopoverProvider>();
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<AdminLeasePage>(p => p.Add(x => x.Id, leaseId));

        page.WaitForElement("[data-testid=approve-lease]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Approve").Click());

        page.WaitForAssertion(() => Assert.Equal("Scheduled", page.Find("[data-testid=admin-lease-state]").TextContent.Trim()));
        Assert.NotEmpty(page.FindAll("[data-testid=terminate-lease]"));
        Assert.Equal(LeaseState.Scheduled, await StateAsync(leaseId));
    }
    [Fact]
    public async Task Support_sees_a_change_made_elsewhere_to_the_open_lease_without_a_reload()
    {
        var (leaseId, _) = await PendingLeaseAsync();
        var page = ctx.Render<AdminLeasePage>(p => p.Add(x => x.Id, leaseId));
        page.WaitForElement("[data-testid=approve-lease]");

        // Another Support circuit approves it; the change is announced the way jobs announce theirs.
        await support.Get<LeaseAdminDecisions>().ApproveAsync(leaseId);
        var tenantId = await TenantOfAsync(leaseId);
        factory.Services.GetRequiredService<PortalChanges>().Publish(new PortalChange(tenantId, PortalChange.Lease, leaseId));

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=approve-lease]")));
        Assert.NotEqual(LeaseState.PendingApproval, await StateAsync(leaseId));
    }

    [Fact]
    public async Task A_tenant_member_gets_no_access_to_the_lease_admin_pages()
    {
        var (leaseId, tenantName) = await PendingLeaseAsync();
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        using var anonymous = factory.CreatePortalClient();

        foreach (var path in new[] { "/admin/leases", $"/admin/leases/{leaseId}", "/admin/leases?state=PendingApproval" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/Account/AccessDenied", response.Headers.Location!.OriginalString);
            Assert.DoesNotContain(tenantName, await response.Content.ReadAsStringAsync());
            var signedOut = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
            Assert.Contains("/Account/Login", signedOut.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task Support_sees_the_approval_queue_and_opens_a_lease_which_is_audited()
    {
        var (leaseId, tenantName) = await PendingLeaseAsync();
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        var list = await client.GetPageAsync("/admin/leases");
        var filtered = await client.GetPageAsync("/admin/leases?state=Active");
        var lease = await client.GetPageAsync($"/admin/leases/{leaseId}");
        var missing = await client.GetAsync($"/admin/leases/{Guid.NewGuid()}");

        var queue = Section(list, "data-testid=\"approval-queue\"", "data-testid=\"admin-leases-table\"");
        Assert.Contains($"href=\"/admin/leases/{leaseId}\"", queue);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(tenantName), queue);
        Assert.Contains("Ada Lovelace", queue);
        Assert.DoesNotContain($"href=\"/admin/leases/{leaseId}\"", Section(filtered, "data-testid=\"admin-leases-table\""));
        Assert.Contains("data-testid=\"approve-lease\"", lease);
        Assert.Contains("data-testid=\"reject-lease\"", lease);
        Assert.DoesNotContain("data-testid=\"terminate-lease\"", lease); // a pending lease is rejected instead
        Assert.Contains("data-testid=\"lease-allocations\"", lease);
        Assert.Contains("data-testid=\"lease-timeline\"", lease);
        Assert.Contains("Waiting for approval by Support", lease);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.True(await db.AuditEvents.AnyAsync(e =>
            e.Action == "lease.viewed" && e.TargetId == leaseId.ToString() && e.ActorName == PortalFactory.SupportEmail));
    }

    [Fact]
    public async Task Support_sees_a_tenants_limits_on_its_page()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        await using (var support = await SupportScope.CreateAsync(factory))
        {
            await support.Get<TenantLimitsAdmin>().SetSpendCeilingAsync(tenantId, 12_345 * Money.MicrosPerDollar);
            await support.Get<TenantLimitsAdmin>().SetGpuQuotaAsync(tenantId, "b200-180gb", 24);
        }
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        var html = await client.GetPageAsync($"/admin/tenants/{tenantId}");

        var limits = Section(html, "data-testid=\"tenant-limits\"");
        Assert.Contains($"data-testid=\"tenant-spend-ceiling\">{Money.Format(12_345 * Money.MicrosPerDollar)}<", limits);
        Assert.Contains("data-testid=\"tenant-quotas\"", limits);
        Assert.Contains("value=\"24\"", limits);
        Assert.Contains($"href=\"/admin/leases?tenant={tenantId}\"", html);
    }

    private async Task<LeaseState> StateAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Leases.Where(l => l.Id == leaseId).Select(l => l.State).FirstAsync();
    }

    private async Task<Guid> TenantOfAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Leases.Where(l => l.Id == leaseId).Select(l => l.TenantId).FirstAsync();
    }

    /// <summary>A signed lease of a new tenant over the approval threshold.</summary>
    private async Task<(Guid LeaseId, string TenantName)> PendingLeaseAsync()
    {
        var name = "Pending Co " + Guid.NewGuid().ToString("N")[..6];
        var (tenantId, ownerId) = await factory.NewTenantAsync(name);
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "h100-sxm-80gb", 72, factory.ThisHour.AddHours(12), 2));
        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        Assert.Equal(LeaseState.PendingApproval, signed.State);
        return (held.Id, name);
    }

    /// <summary>The page from the element that carries <paramref name="marker"/> on, up to <paramref name="until"/> if given.</summary>
    private static string Section(string html, string marker, string? until = null)
    {
        var at = html.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"No {marker} on the page.");
        var end = until is null ? -1 : html.IndexOf(until, at, StringComparison.Ordinal);
        return end < 0 ? html[at..] : html[at..end];
    }
}
