using Bunit;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>A queued job says why it waits and where it is in line, in the lease's list and on its page, in the queue's own words.</summary>
public sealed class QueuedJobWaitTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly ScriptJobPagesKit kit = new(factory);

    public Task InitializeAsync() => kit.StartAsync();
    public async Task DisposeAsync() => await kit.DisposeAsync();

    [Fact]
    public async Task A_queued_job_shows_the_queues_wait_text_in_the_list_and_on_its_page()
    {
        var lease = await kit.ActiveLeaseAsync(); // 8 GPUs
        await kit.AddJobAsync(lease, "big", ScriptJobState.Running, j => j.GpusPerTask = 6);
        var waiting = await kit.AddJobAsync(lease, "waiting", ScriptJobState.Queued, j => j.GpusPerTask = 4);
        await kit.ActAsync();
        var wait = await kit.Member.Get<ScriptJobQueue>().DescribeWaitAsync(waiting.Id);
        Assert.NotNull(wait);
        Assert.Contains("4 GPUs", wait.Text);

        var panel = kit.Ctx.Render<LeaseJobsPanel>(p => p.Add(x => x.Lease, lease));
        panel.WaitForAssertion(() => Assert.Equal(wait.Text, panel.FindAll("[data-testid=job-why]").Single().TextContent));

        var page = kit.Ctx.Render<JobDetailsPage>(p => p.Add(x => x.Id, waiting.Id));
        page.WaitForAssertion(() => Assert.Equal(wait.Text, page.Find("[data-testid=job-wait]").TextContent.Trim()));
        Assert.False(page.Find("[data-testid=job-cancel]").HasAttribute("disabled"));
    }
}
