using System.Net;
using Bunit;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>A job's page: its true reason, what it did with its GPUs, secrets never shown, Cancel only while it can act, 404 for others.</summary>
public sealed class JobDetailsPageTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly ScriptJobPagesKit kit = new(factory);

    public Task InitializeAsync() => kit.StartAsync();
    public async Task DisposeAsync() => await kit.DisposeAsync();

    [Fact]
    public async Task A_failed_job_shows_its_exit_code_per_task_and_cancel_is_disabled()
    {
        var lease = await kit.ActiveLeaseAsync();
        var job = await kit.AddJobAsync(lease, "exit-three", ScriptJobState.Failed, j =>
        {
            j.ExitCode = 3;
            j.Reason = "Task 1 exited with code 3";
            j.Tasks[0].ExitCode = 0;
            j.Tasks[0].State = ScriptJobState.Succeeded;
            j.Tasks[1].ExitCode = 3;
        }, tasks: 2);
        await kit.ActAsync();

        var page = kit.Ctx.Render<JobDetailsPage>(p => p.Add(x => x.Id, job.Id));

        page.WaitForAssertion(() => Assert.Equal("Failed", page.Find("[data-testid=job-state]").TextContent));
        Assert.Equal("Task 1 exited with code 3", page.Find("[data-testid=job-reason]").TextContent.Trim());
        Assert.Equal(["0", "3"], page.FindAll("[data-testid=task-exit-code]").Select(c => c.TextContent.Trim()));
        Assert.True(page.Find("[data-testid=job-cancel]").HasAttribute("disabled"));
        Assert.Contains($"by {kit.OwnerEmail}", page.Find("[data-testid=job-facts]").TextContent);
    }

    [Fact]
    public async Task Without_a_stored_reason_the_state_says_who_cancelled_and_a_running_job_can_be_cancelled()
    {
        var lease = await kit.ActiveLeaseAsync();
        var cancelled = await kit.AddJobAsync(lease, "stopped", ScriptJobState.Cancelled, j => j.CancelledByName = "Grace Hopper");
        var running = await kit.AddJobAsync(lease, "training", ScriptJobState.Running);
        await kit.ActAsync();

        var page = kit.Ctx.Render<JobDetailsPage>(p => p.Add(x => x.Id, cancelled.Id));
        page.WaitForAssertion(() => Assert.Equal("Cancelled by Grace Hopper", page.Find("[data-testid=job-reason]").TextContent.Trim()));

        var live = kit.Ctx.Render<JobDetailsPage>(p => p.Add(x => x.Id, running.Id));
        live.WaitForAssertion(() => Assert.Equal("Running", live.Find("[data-testid=job-state]").TextContent));
        Assert.False(live.Find("[data-testid=job-cancel]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Secret_variables_show_as_dots_and_plain_ones_as_given()
    {
        var lease = await kit.ActiveLeaseAsync();
        var job = await kit.AddJobAsync(lease, "with-secrets", ScriptJobState.Succeeded, j =>
        {
            j.VariablesJson = """[{"name":"LEARNING_RATE","value":"0.001"},{"name":"HF_TOKEN","secret":true}]""";
            j.InputFilesJson = """[{"name":"config.yaml","bytes":2048}]""";
        });
        await kit.ActAsync();

        var page = kit.Ctx.Render<JobDetailsPage>(p => p.Add(x => x.Id, job.Id));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=job-variable-value]").Count));
        var values = page.FindAll("[data-testid=job-variables-list] tr").Select(r => r.TextContent).ToList();
        Assert.Contains(values, r => r.Contains("LEARNING_RATE") && r.Contains("0.001"));
        Assert.Contains(values, r => r.Contains("HF_TOKEN") && r.Contains("••••••") && r.Contains("(secret)"));
        Assert.Contains("config.yaml", page.Find("[data-testid=job-input-files]").TextContent);
        Assert.Contains("2 KB", page.Find("[data-testid=job-input-files]").TextContent);
    }

    [Fact]
    public async Task A_finished_job_sums_up_its_gpus_and_warns_of_idle_ones()
    {
        var lease = await kit.ActiveLeaseAsync();
        var job = await kit.AddJobAsync(lease, "half-idle", ScriptJobState.Succeeded, j =>
            (j.MeanGpuUtil, j.PeakFbUsedMiB, j.IdleGpus, j.SampledGpus, j.GpuSeconds) = (41.6, 62_669, 2, 4, 3 * 3600 + 720));
        await kit.ActAsync();

        var page = kit.Ctx.Render<JobDetailsPage>(p => p.Add(x => x.Id, job.Id));

        page.WaitForAssertion(() => Assert.Equal("Mean utilisation 42 %, peak memory 61.2 GB, 3.2 GPU-hours; 2 of 4 GPUs were idle.",
            page.Find("[data-testid=job-summary]").TextContent.Trim()));
        Assert.Contains("warning", page.Find("[data-testid=job-summary]").ClassName);
    }

    [Fact]
    public async Task Another_organisations_job_is_not_found()
    {
        var lease = await kit.ActiveLeaseAsync();
        var job = await kit.AddJobAsync(lease, "theirs", ScriptJobState.Running);
        var stranger = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(stranger);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(stranger.Email!);

        var response = await client.GetAsync($"/jobs/{job.Id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("theirs", await response.Content.ReadAsStringAsync());
    }
}
