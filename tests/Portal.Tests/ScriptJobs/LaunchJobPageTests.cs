using Bunit;
using Bunit.TestDoubles;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>The launch form on the real launch service: its refusals under their fields with nothing created, and one job per form.</summary>
public sealed class LaunchJobPageTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly ScriptJobPagesKit kit = new(factory);

    public Task InitializeAsync() => kit.StartAsync();
    public async Task DisposeAsync() => await kit.DisposeAsync();

    [Fact]
    public async Task A_refused_variable_shows_under_the_variables_and_nothing_is_launched()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.ActAsync();
        var page = kit.Ctx.Render<LaunchJobPage>(p => p.Add(x => x.LeaseId, lease.Id));

        page.WaitForElement("#job-name").Change("bad-variable");
        page.Find("[data-testid=job-add-variable]").Click();
        page.WaitForElement("#job-var-name-0").Change("1BAD");
        page.Find("#job-var-value-0").Change("x");
        page.Find("[data-testid=launch-submit]").Click();

        page.WaitForAssertion(() => Assert.Contains("\"1BAD\" is not a variable name", page.Find("[data-testid=job-variables-error]").TextContent));
        Assert.Contains("Nothing was launched", page.Find("[data-testid=launch-error]").TextContent);
        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task A_time_limit_past_the_lease_end_says_when_it_ends_and_links_to_extending()
    {
        var lease = await kit.ActiveLeaseAsync(); // three hours left
        await kit.ActAsync();
        var page = kit.Ctx.Render<LaunchJobPage>(p => p.Add(x => x.LeaseId, lease.Id));

        page.WaitForElement("#job-name").Change("too-long");
        await page.InvokeAsync(() => page.FindComponent<MudBlazor.MudRadioGroup<bool>>().Instance.ValueChanged.InvokeAsync(false));
        page.WaitForElement("#job-time-limit").Change("600");
        page.Find("[data-testid=launch-submit]").Click();

        page.WaitForAssertion(() => Assert.Contains(lease.End.ToString("yyyy-MM-dd HH:mm"), page.Find("[data-testid=job-time-limit-error]").TextContent));
        Assert.Equal($"/leases/{lease.Id}", page.Find("[data-testid=extend-lease-link]").GetAttribute("href"));
        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task A_double_click_launches_one_job_and_opens_its_page()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.ActAsync();
        var navigation = kit.Ctx.Services.GetRequiredService<BunitNavigationManager>();
        var page = kit.Ctx.Render<LaunchJobPage>(p => p.Add(x => x.LeaseId, lease.Id));

        page.WaitForElement("#job-name").Change("hello");
        page.Find("#job-tasks").Change("3");
        var submit = page.Find("[data-testid=launch-submit]");
        submit.Click();
        submit.Click();

        page.WaitForAssertion(() => Assert.Matches("/jobs/[0-9a-f-]{36}$", navigation.Uri));
        Assert.Equal(1, await CountJobsAsync());
        await using var db = await kit.Member.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var job = await db.ScriptJobs.SingleAsync();
        Assert.Equal($"http://localhost/jobs/{job.Id}", navigation.Uri);
        Assert.Equal(("hello", 3, 1, kit.OwnerId), (job.Name, job.TaskCount, job.GpusPerTask, job.CreatedByUserId));
    }

    [Fact]
    public async Task A_viewer_gets_no_form()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.ActAsync(await kit.NewMemberAsync(TenantRole.Viewer));

        var page = kit.Ctx.Render<LaunchJobPage>(p => p.Add(x => x.LeaseId, lease.Id));

        page.WaitForAssertion(() => Assert.Contains("Your role (Viewer) can watch jobs", page.Find("[data-testid=launch-read-only]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=launch-submit]"));
    }

    private async Task<int> CountJobsAsync()
    {
        await using var db = await kit.Member.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.ScriptJobs.CountAsync();
    }
}
