using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Batches;
using Portal.Core.Notifications;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;
using Portal.Web.Admin;
using static Portal.Tests.Batches.BatchPagesKit;

namespace Portal.Tests.Batches;

/// <summary>
/// Support's batches: every tenant's, filtered; opening one and cancelling one are audited; the tenant is told why;
/// nothing else is changed by a refused cancel; tenant members are kept out.
/// </summary>
public sealed class BatchAdminTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private AsyncServiceScope support;

    public async Task InitializeAsync()
    {
        support = await SupportScope.CreateAsync(factory);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(support.Get<BatchAdminService>());
        ctx.Services.AddSingleton(factory.Services.GetRequiredService<PortalChanges>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await support.DisposeAsync();
    }

    [Fact]
    public async Task Support_lists_every_tenants_batches_filters_them_and_opening_one_is_audited()
    {
        var ada = await NewOwnerAsync(factory);
        var bob = await NewOwnerAsync(factory);
        var adas = await NewBatchAsync(factory, ada);
        var bobs = await NewBatchAsync(factory, bob);
        await FinishAsync(factory, bobs.Id, BatchStatus.Completed, completed: 3, failed: 0, OutputLine("x"), null);
        var adaName = await TenantNameAsync(ada.TenantId);
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);

        var all = await client.GetPageAsync("/admin/batches");
        var completed = await client.GetPageAsync("/admin/batches?status=completed");
        var byTenant = await client.GetPageAsync($"/admin/batches?q={Uri.EscapeDataString(adaName)}");
        var page = await client.GetPageAsync($"/admin/batches/{adas.Id}");
        var tenantPage = await client.GetPageAsync($"/admin/tenants/{bob.TenantId}");
        var byTenantId = await client.GetPageAsync($"/admin/batches?tenant={bob.TenantId}");

        Assert.Contains($"href=\"/admin/batches/{adas.Id}\"", all);
        Assert.Contains($"href=\"/admin/batches/{bobs.Id}\"", all);
        Assert.Contains(bobs.Id, completed);
        Assert.DoesNotContain(adas.Id, completed);
        Assert.Contains(adas.Id, byTenant);
        Assert.DoesNotContain(bobs.Id, byTenant);
        Assert.Contains($"href=\"/admin/batches?tenant={bob.TenantId}\"", tenantPage);
        Assert.Contains(bobs.Id, byTenantId);
        Assert.DoesNotContain(adas.Id, byTenantId);
        Assert.Contains("data-testid=\"admin-cancel-batch\"", page);
        Assert.Contains(WebUtility.HtmlEncode(adaName), page);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/admin/batches/batch_nosuchbatch")).StatusCode);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var viewed = await db.AuditEvents.SingleAsync(e => e.Action == BatchAdminActions.Viewed && e.TargetId == adas.Id);
        Assert.Equal((PortalFactory.SupportEmail, ada.TenantId), (viewed.ActorName, viewed.TenantId));
    }

    [Fact]
    public async Task Support_cancels_a_running_batch_with_a_reason_that_is_audited_and_told_to_the_tenant()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada);
        await FinishAsync(factory, batch.Id, BatchStatus.InProgress, completed: 1, failed: 0, null, null);

        var outcome = await Outcome.Of(support.Get<BatchAdminService>().CancelAsync(batch.Id, "Hammering the model servers"));

        Assert.True(outcome.Succeeded, outcome.Message);
        var cancelled = await ReloadAsync(factory, batch.Id);
        Assert.Equal((BatchStatus.Cancelling, factory.Now), (cancelled.Status, cancelled.CancellingAt));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var audit = await db.AuditEvents.SingleAsync(e => e.Action == BatchAdminActions.CancelledBySupport && e.TargetId == batch.Id);
        Assert.Equal(("Hammering the model servers", PortalFactory.SupportEmail, SupportScope.IpAddress), (audit.Reason, audit.ActorName, audit.IpAddress));
        var note = await db.Notifications.SingleAsync(n => n.TenantId == ada.TenantId && n.Kind == BatchAdminActions.CancelledNotification);
        Assert.Contains("Hammering the model servers", note.Body);
        Assert.Equal($"/batches/{batch.Id}", note.Link);
    }

    [Fact]
    public async Task A_cancel_without_a_reason_or_of_a_finished_batch_is_refused_and_changes_nothing()
    {
        var ada = await NewOwnerAsync(factory);
        var running = await NewBatchAsync(factory, ada);
        var finished = await NewBatchAsync(factory, ada);
        await FinishAsync(factory, finished.Id, BatchStatus.Completed, completed: 3, failed: 0, OutputLine("x"), null);
        var admin = support.Get<BatchAdminService>();

        var noReason = await Outcome.Of(admin.CancelAsync(running.Id, "  "));
        var done = await Outcome.Of(admin.CancelAsync(finished.Id, "Too late"));
        var missing = await Outcome.Of(admin.CancelAsync("batch_nosuchbatch", "Whatever"));

        Assert.False(noReason.Succeeded);
        Assert.Contains("Give a reason", noReason.Message);
        Assert.False(done.Succeeded);
        Assert.Contains("completed", done.Message);
        Assert.False(missing.Succeeded);
        Assert.Equal(BatchStatus.Validating, (await ReloadAsync(factory, running.Id)).Status);
        Assert.Equal(BatchStatus.Completed, (await ReloadAsync(factory, finished.Id)).Status);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.False(await db.AuditEvents.AnyAsync(e =>
            e.Action == BatchAdminActions.CancelledBySupport && (e.TargetId == running.Id || e.TargetId == finished.Id)));
    }

    [Fact]
    public async Task Support_cancels_from_the_batch_page_after_giving_a_reason()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada);
        ctx.Render<MudPopoverProvider>();
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<AdminBatchPage>(p => p.Add(x => x.Id, batch.Id));

        page.WaitForElement("[data-testid=admin-cancel-batch]").Click();
        dialogs.WaitForElement("#reason").Input("Tenant asked by phone");
        dialogs.Find("[data-testid=reason-confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal("cancelling", page.Find("[data-testid=batch-status]").GetAttribute("data-status")));
        Assert.Empty(page.FindAll("[data-testid=admin-cancel-batch]"));
        Assert.Equal(BatchStatus.Cancelling, (await ReloadAsync(factory, batch.Id)).Status);
    }

    [Fact]
    public async Task Tenant_members_and_anonymous_visitors_get_no_batch_admin_pages()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada);
        using var member = factory.CreatePortalClient();
        await member.SignInOrFailAsync(ada.Email);
        using var anonymous = factory.CreatePortalClient();

        foreach (var path in new[] { "/admin/batches", $"/admin/batches/{batch.Id}" })
        {
            var refused = await member.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Contains("/Account/AccessDenied", refused.Headers.Location!.OriginalString);
            var signedOut = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
            Assert.Contains("/Account/Login", signedOut.Headers.Location!.OriginalString);
        }
    }

    private async Task<string> TenantNameAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Name).SingleAsync();
    }
}
