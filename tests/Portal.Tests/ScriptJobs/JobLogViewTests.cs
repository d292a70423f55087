using System.Text;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>The job page's log: what the portal keeps, shown as text; more of it appears when the supervisor says the job changed.</summary>
public sealed class JobLogViewTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly ScriptJobPagesKit kit = new(factory);

    public Task InitializeAsync() => kit.StartAsync();
    public async Task DisposeAsync() => await kit.DisposeAsync();

    [Fact]
    public async Task The_page_shows_the_kept_log_and_new_lines_after_a_change_without_a_reload()
    {
        var lease = await kit.ActiveLeaseAsync();
        var job = await kit.AddJobAsync(lease, "printer", ScriptJobState.Succeeded);
        var store = factory.Services.GetRequiredService<ScriptJobLogStore>();
        var length = await store.AppendAsync(job.Id, 0, PoolLogStream.Stdout, 0, Encoding.UTF8.GetBytes("epoch 1 loss 0.9\n"), default);
        await kit.ActAsync();

        // A finished job's view does not poll: only the change event can bring the new line.
        var view = kit.Ctx.Render<JobLogView>(p => p.Add(x => x.JobId, job.Id).Add(x => x.TenantId, kit.TenantId).Add(x => x.Running, false));
        view.WaitForAssertion(() => Assert.Equal("epoch 1 loss 0.9\n", view.Find("[data-testid=job-log]").TextContent));

        await store.AppendAsync(job.Id, 0, PoolLogStream.Stdout, length, Encoding.UTF8.GetBytes("epoch 2 loss 0.4\n"), default);
        factory.Services.GetRequiredService<PortalChanges>().Publish(new PortalChange(kit.TenantId, ScriptJobUi.ChangeKind, job.Id));

        view.WaitForAssertion(() => Assert.Equal("epoch 1 loss 0.9\nepoch 2 loss 0.4\n", view.Find("[data-testid=job-log]").TextContent));
        Assert.Equal($"/api/v1/jobs/{job.Id}/logs/download?task=0&stream=stdout", view.Find("[data-testid=log-download]").GetAttribute("href"));
    }

    [Fact]
    public async Task Each_task_and_stream_of_a_sweep_shows_its_own_log()
    {
        var lease = await kit.ActiveLeaseAsync();
        var job = await kit.AddJobAsync(lease, "sweep", ScriptJobState.Failed, tasks: 2);
        var store = factory.Services.GetRequiredService<ScriptJobLogStore>();
        await store.AppendAsync(job.Id, 0, PoolLogStream.Stdout, 0, Encoding.UTF8.GetBytes("task zero\n"), default);
        await store.AppendAsync(job.Id, 1, PoolLogStream.Stderr, 0, Encoding.UTF8.GetBytes("task one failed\n"), default);
        await kit.ActAsync();

        var view = kit.Ctx.Render<JobLogView>(p => p.Add(x => x.JobId, job.Id).Add(x => x.TenantId, kit.TenantId).Add(x => x.TaskCount, 2));
        view.WaitForAssertion(() => Assert.Equal("task zero\n", view.Find("[data-testid=job-log]").TextContent));

        await view.InvokeAsync(() => view.FindComponent<MudBlazor.MudSelect<int>>().Instance.ValueChanged.InvokeAsync(1));
        await view.InvokeAsync(() => view.FindComponent<MudBlazor.MudTabs>().Instance.ActivePanelIndexChanged.InvokeAsync(1));

        view.WaitForAssertion(() => Assert.Equal("task one failed\n", view.Find("[data-testid=job-log]").TextContent));
        var log = view.Find("[data-testid=job-log]");
        Assert.Equal(("1", "stderr"), (log.GetAttribute("data-task"), log.GetAttribute("data-stream")));
    }
}
