using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>
/// What a member does with script jobs on an Active lease, step by step, checking at each step what they would see: the
/// lease page's jobs panel, the launch form, the job page with its live log and metrics chart, a failure and a cancel.
/// Selectors are field ids and data-testid attributes, as in <see cref="PortalJourney"/>.
/// </summary>
public sealed partial class ScriptJobJourney(IPage page, StepScreenshots screenshots)
{
    /// <summary>Long enough for the supervisor to start a task on the simulator and the page to follow it on a busy machine.</summary>
    private const float JobTimeoutMs = 90_000;

    private ILocator State => page.GetByTestId("job-state").First;

    /// <summary>On the Active lease's page: the jobs panel says there are none yet and offers to launch one.</summary>
    public async Task ExpectNoJobsYetAsync()
    {
        var panel = page.GetByTestId("lease-jobs");
        await Expect(panel.GetByTestId("jobs-empty")).ToContainTextAsync("No jobs yet");
        await Expect(panel.GetByTestId("launch-job")).ToBeVisibleAsync();
        await screenshots.TakeAsync(page, "lease-jobs-empty");
    }

    /// <summary>"Launch job" on the lease page opens the launch form for this lease.</summary>
    public async Task OpenLaunchFormAsync(Guid leaseId)
    {
        await page.GetByTestId("lease-jobs").GetByTestId("launch-job").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/leases/{leaseId}/jobs/new$"));
        await Expect(page.GetByTestId("launch-submit")).ToBeEnabledAsync();
    }

    /// <summary>Fills the form as a person would: a name, the script typed in, GPUs per task.</summary>
    public async Task FillLaunchFormAsync(string name, string script, int gpusPerTask, string? screenshot = null)
    {
        await page.Locator("#job-name").FillAsync(name);
        await page.Locator("#job-script").FillAsync(script);
        await page.Locator("#job-gpus").FillAsync(gpusPerTask.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (screenshot is not null) await screenshots.TakeAsync(page, screenshot);
    }

    /// <summary>Launches; lands on the new job's page and returns its id.</summary>
    public async Task<Guid> LaunchAsync(string name)
    {
        await page.GetByTestId("launch-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(JobUrl());
        await Expect(page.GetByTestId("job-title")).ToContainTextAsync(name);
        return Guid.Parse(JobUrl().Match(page.Url).Groups["id"].Value);
    }

    /// <summary>The whole launch on a lease: open its form, fill it, launch.</summary>
    public async Task<Guid> LaunchFromLeaseAsync(Guid leaseId, string name, string script, int gpusPerTask = 1)
    {
        // Followed by address, as the other journeys do: a click on the freshly loaded lease page while its circuit starts
        // can leave the form prerendered (seen once in CI: Launch stayed disabled). The click path is step 1's.
        await page.GotoAsync($"/leases/{leaseId}/jobs/new");
        await Expect(page.GetByTestId("launch-submit")).ToBeEnabledAsync();
        await FillLaunchFormAsync(name, script, gpusPerTask);
        return await LaunchAsync(name);
    }

    /// <summary>
    /// The open job page follows the job by itself: it turns Running, the log lines arrive one by one in order, the metrics
    /// chart draws, and it ends Succeeded, all without a reload.
    /// </summary>
    public async Task ExpectLogLinesArriveLiveAndSucceedAsync(int lines, string launchedBy, Func<Task> whileRunning)
    {
        await Expect(page.GetByTestId("job-facts")).ToContainTextAsync($"by {launchedBy}");
        // A reload or a full navigation would drop this mark.
        await page.EvaluateAsync("() => window.__jobJourneyMark = 'still here'");
        var log = page.GetByTestId("job-log");
        await Expect(State).ToHaveAttributeAsync("data-state", "Running", new() { Timeout = JobTimeoutMs });
        await Expect(log).ToContainTextAsync("line 1", new() { Timeout = JobTimeoutMs });
        // The chart draws once the pool's first GPU samples are kept (the browser tests sample every second).
        await Expect(page.GetByTestId("job-metrics").GetByTestId("chart-util")).ToBeVisibleAsync(new() { Timeout = JobTimeoutMs });
        // Lines and a few of the chart's 10-second points so far, and still running: the screenshots show a job in progress.
        await Expect(log).ToContainTextAsync("line 24", new() { Timeout = JobTimeoutMs });
        await whileRunning();

        await Expect(log).ToContainTextAsync($"line {lines}", new() { Timeout = JobTimeoutMs });
        await Expect(State).ToHaveAttributeAsync("data-state", "Succeeded", new() { Timeout = JobTimeoutMs });
        Assert.Equal("still here", await page.EvaluateAsync<string?>("() => window.__jobJourneyMark ?? null"));
        var text = await log.InnerTextAsync();
        var shown = LogLine().Matches(text).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(Enumerable.Range(1, lines), shown); // every line once, in order
        await screenshots.TakeAsync(page, "job-succeeded");
    }

    /// <summary>A job that exits with <paramref name="code"/> shows Failed with that exit code.</summary>
    public async Task ExpectFailedWithExitCodeAsync(int code)
    {
        await Expect(State).ToHaveAttributeAsync("data-state", "Failed", new() { Timeout = JobTimeoutMs });
        await Expect(page.GetByTestId("job-reason")).ToContainTextAsync($"code {code}");
        await screenshots.TakeAsync(page, "job-failed");
    }

    /// <summary>Cancels a running job through its confirmation; it ends Cancelled, by this member.</summary>
    public async Task CancelRunningAsync(string byWhom)
    {
        await Expect(State).ToHaveAttributeAsync("data-state", "Running", new() { Timeout = JobTimeoutMs });
        await Expect(page.GetByTestId("job-cancel")).ToBeEnabledAsync();
        await page.GetByTestId("job-cancel").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("SIGTERM");
        await screenshots.TakeAsync(page, "cancel-confirm");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(State).ToHaveAttributeAsync("data-state", "Cancelled", new() { Timeout = JobTimeoutMs });
        await Expect(page.GetByTestId("job-reason")).ToContainTextAsync($"Cancelled by {byWhom}");
        await screenshots.TakeAsync(page, "job-cancelled");
    }

    /// <summary>The lease page lists the three jobs with their outcomes.</summary>
    public async Task ExpectLeaseJobsAsync(Guid leaseId, params (Guid Id, string State, string Why)[] jobs)
    {
        await page.GotoAsync($"/leases/{leaseId}");
        var table = page.GetByTestId("lease-jobs").GetByTestId("jobs-table");
        foreach (var (id, state, why) in jobs)
        {
            var row = table.Locator("tr", new() { Has = page.Locator($"[data-job-id='{id}']") });
            await Expect(row.GetByTestId("job-state")).ToHaveAttributeAsync("data-state", state);
            if (why.Length > 0) await Expect(row.GetByTestId("job-why")).ToContainTextAsync(why);
        }
        await screenshots.TakeAsync(page, "lease-jobs");
    }

    /// <summary>The page at phone width once <paramref name="readyTestId"/> shows; returns how wide it is.</summary>
    public Task<int> ScreenshotNarrowAsync(int width, string readyTestId, string step) =>
        Viewport.ScreenshotNarrowAsync(page, screenshots, width, readyTestId, step);

    [GeneratedRegex(@"/jobs/(?<id>[0-9a-f-]{36})$")]
    private static partial Regex JobUrl();

    [GeneratedRegex(@"^line (\d+)$", RegexOptions.Multiline)]
    private static partial Regex LogLine();
}
