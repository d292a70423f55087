using Bunit;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>The lease page's Jobs section: what a job is when there is none, the jobs with their true reasons, GPU-hours used and idle, roles.</summary>
public sealed class LeaseJobsPanelTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly ScriptJobPagesKit kit = new(factory);

    public Task InitializeAsync() => kit.StartAsync();
    public async Task DisposeAsync() => await kit.DisposeAsync();

    [Fact]
    public async Task An_active_lease_without_jobs_says_what_a_job_is_and_offers_to_launch_one()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.ActAsync();

        var panel = kit.Ctx.Render<LeaseJobsPanel>(p => p.Add(x => x.Lease, lease));

        panel.WaitForAssertion(() => Assert.Contains("A job is a bash script", panel.Find("[data-testid=jobs-empty]").TextContent));
        Assert.Equal($"/leases/{lease.Id}/jobs/new", panel.Find("[data-testid=launch-job]").GetAttribute("href"));
        // Nothing ran: the hour the lease has been Active (8 GPUs) is all idle.
        Assert.Equal("0.00 GPU-hours", panel.Find("[data-testid=hours-used-by-jobs]").TextContent);
        Assert.Equal("8.00 GPU-hours", panel.Find("[data-testid=hours-idle]").TextContent);
    }

    [Fact]
    public async Task The_list_shows_each_jobs_true_reason_and_the_lease_splits_into_used_and_idle_hours()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.AddJobAsync(lease, "train-resnet", ScriptJobState.Succeeded, j => j.GpuSeconds = 3 * 3600);
        await kit.AddJobAsync(lease, "exit-three", ScriptJobState.Failed, j => (j.ExitCode, j.GpuSeconds) = (3, 1800));
        await kit.AddJobAsync(lease, "stopped", ScriptJobState.Cancelled, j => j.CancelledByName = "Grace Hopper");
        await kit.ActAsync();

        var panel = kit.Ctx.Render<LeaseJobsPanel>(p => p.Add(x => x.Lease, lease));

        panel.WaitForAssertion(() => Assert.Equal(3, panel.FindAll("[data-testid=job-link]").Count));
        var rows = panel.FindAll("[data-testid=jobs-table] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains("exit-three") && r.Contains("Failed") && r.Contains("Exited with code 3"));
        Assert.Contains(rows, r => r.Contains("stopped") && r.Contains("Cancelled by Grace Hopper"));
        Assert.Contains(rows, r => r.Contains("train-resnet") && r.Contains("3.00"));
        Assert.Equal("3.50 GPU-hours", panel.Find("[data-testid=hours-used-by-jobs]").TextContent);
        Assert.Equal("4.50 GPU-hours", panel.Find("[data-testid=hours-idle]").TextContent);
    }

    [Fact]
    public async Task A_long_list_pages_ten_jobs_at_a_time_newest_first()
    {
        var lease = await kit.ActiveLeaseAsync();
        for (var i = 1; i <= 12; i++) await kit.AddJobAsync(lease, $"sweep-{i:00}", ScriptJobState.Succeeded);
        await kit.ActAsync();

        var panel = kit.Ctx.Render<LeaseJobsPanel>(p => p.Add(x => x.Lease, lease));

        panel.WaitForAssertion(() => Assert.Equal(LeaseJobsPanel.PageSize, panel.FindAll("[data-testid=job-link]").Count));
        Assert.Equal("sweep-12", panel.FindAll("[data-testid=job-link]")[0].TextContent);
        Assert.Contains("12 jobs", panel.Markup);
        panel.Find("[data-testid=jobs-pager] button[aria-label='Go to page 2'], [data-testid=jobs-pager] li:nth-last-child(2) button").Click();
        panel.WaitForAssertion(() => Assert.Equal(["sweep-02", "sweep-01"], panel.FindAll("[data-testid=job-link]").Select(a => a.TextContent)));
    }

    [Fact]
    public async Task A_viewer_sees_the_jobs_but_no_launch_button()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.AddJobAsync(lease, "train-resnet", ScriptJobState.Running);
        await kit.ActAsync(await kit.NewMemberAsync(TenantRole.Viewer));

        var panel = kit.Ctx.Render<LeaseJobsPanel>(p => p.Add(x => x.Lease, lease));

        panel.WaitForAssertion(() => Assert.Single(panel.FindAll("[data-testid=job-link]")));
        Assert.Empty(panel.FindAll("[data-testid=launch-job]"));
        Assert.Contains("Your role (Viewer) can watch jobs", panel.Find("[data-testid=launch-job-viewer]").TextContent);
    }
}
