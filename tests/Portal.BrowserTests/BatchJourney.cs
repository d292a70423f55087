using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>
/// What a tenant Owner does with API keys and batches, step by step, checking at each step what they would see.
/// Selectors are field ids, option names and data-testid attributes, as in <see cref="PortalJourney"/>.
/// </summary>
public sealed partial class BatchJourney(IPage page, StepScreenshots screenshots)
{
    /// <summary>Long enough for the job server to validate and run a few lines against the simulator on a busy machine.</summary>
    private const float JobTimeoutMs = 90_000;

    public async Task OpenEmptyBatchesAsync()
    {
        await page.GotoAsync("/batches");
        await Expect(page.GetByTestId("batches-empty")).ToContainTextAsync("No batches yet");
        await screenshots.TakeAsync(page, "batches-empty");
    }

    /// <summary>On the API keys page: a key named <paramref name="name"/>, its secret shown once; returns the secret.</summary>
    public async Task<string> CreateApiKeyAsync(string name)
    {
        await page.GetByTestId("batches-empty").GetByTestId("empty-api-keys").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/settings/api-keys$"));
        var create = page.GetByTestId("new-api-key");
        await Expect(create).ToBeEnabledAsync();
        await create.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("#api-key-name").FillAsync(name);
        await dialog.GetByTestId("create-api-key").ClickAsync();
        await Expect(dialog.GetByTestId("secret-warning")).ToContainTextAsync("shown this once");
        var secret = await dialog.Locator("#api-key-secret").InputValueAsync();
        Assert.Matches("^sk-portal-", secret);
        await screenshots.TakeAsync(page, "api-key-secret");
        await dialog.GetByTestId("secret-done").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("api-key-name")).ToHaveTextAsync(name);
        await screenshots.TakeAsync(page, "api-keys");
        return secret;
    }

    /// <summary>Opens the new batch page for <paramref name="endpointLabel"/> ("Embeddings", "Chat completions").</summary>
    public async Task OpenNewBatchAsync(string endpointLabel)
    {
        await page.GotoAsync("/batches/new");
        await Expect(page.GetByTestId("choose-file")).ToBeEnabledAsync();
        await page.GetByTestId("batch-endpoint").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { NameRegex = new Regex("^" + Regex.Escape(endpointLabel) + " ") }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);
    }

    /// <summary>Uploads a file whose lines have problems: the page names each line and nothing can be created.</summary>
    public async Task UploadWithProblemsAsync(string filename, string jsonl, params int[] badLines)
    {
        await UploadAsync(filename, jsonl);
        await Expect(page.GetByTestId("check-failed")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var lines = page.GetByTestId("check-errors").GetByTestId("error-line");
        await Expect(lines).ToHaveTextAsync(badLines.Select(n => n.ToString()).ToArray());
        await Expect(page.GetByTestId("create-batch")).ToBeDisabledAsync();
        await screenshots.TakeAsync(page, "new-batch-problems");
    }

    /// <summary>Uploads a good file, sees it pass, creates the batch; returns its id from the batch page's address.</summary>
    public async Task<string> UploadAndCreateAsync(string filename, string jsonl, int requests, string model, string step)
    {
        await UploadAsync(filename, jsonl);
        await Expect(page.GetByTestId("check-passed")).ToContainTextAsync($"{requests} requests for {model}", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("uploaded-file")).ToContainTextAsync(filename);
        await screenshots.TakeAsync(page, $"{step}-checked");
        await page.GetByTestId("create-batch").ClickAsync();
        await Expect(page).ToHaveURLAsync(BatchUrl());
        await Expect(page.GetByTestId("batch-title")).ToHaveTextAsync(filename);
        return BatchUrl().Match(page.Url).Groups["id"].Value;
    }

    /// <summary>The job server validates and runs it on the simulator; the open page turns Completed by itself, without a reload.</summary>
    public async Task ExpectCompletedWithoutReloadAsync(int requests, string step)
    {
        // A reload or a full navigation would drop this mark.
        await page.EvaluateAsync("() => window.__batchJourneyMark = 'still here'");
        var status = page.GetByTestId("batch-status").First;
        await Expect(status).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = JobTimeoutMs });
        Assert.Equal("still here", await page.EvaluateAsync<string?>("() => window.__batchJourneyMark ?? null"));
        await Expect(page.GetByTestId("count-completed")).ToHaveTextAsync(requests.ToString());
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("input-tokens")).Not.ToHaveTextAsync("0");
        await Expect(page.GetByTestId("timeline-step").First).ToContainTextAsync($"Completed: {requests} succeeded, 0 failed");
        await Expect(page.GetByTestId("errors-pending")).ToContainTextAsync("every request succeeded");
        await screenshots.TakeAsync(page, $"{step}-completed");
    }

    /// <summary>Downloads the output file; returns its lines, parsed, one per request, in any order.</summary>
    public async Task<List<JsonElement>> DownloadOutputAsync(string batchId)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-output").ClickAsync());
        Assert.Equal($"{batchId}_output.jsonl", download.SuggestedFilename);
        var text = await File.ReadAllTextAsync(await download.PathAsync(), Encoding.UTF8);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    /// <summary>The list shows each batch with its status and full progress.</summary>
    public async Task ExpectListedAsync(params string[] completedIds)
    {
        await page.GotoAsync("/batches");
        foreach (var id in completedIds)
        {
            var row = page.Locator("tr", new() { Has = page.Locator($"[data-batch-id='{id}']") });
            await Expect(row.GetByTestId("batch-status")).ToHaveAttributeAsync("data-status", "completed");
            await Expect(row.GetByTestId("batch-counts")).ToContainTextAsync(new Regex(@"^(\d+) of \1 done$"));
        }
        await screenshots.TakeAsync(page, "batches-list");
    }

    /// <summary>More batches than a page holds: the newest page is full and the pager leads to the older ones.</summary>
    public async Task ExpectLongListAsync(int pageSize, string oldestId)
    {
        await page.GotoAsync("/batches");
        await Expect(page.GetByTestId("batch-link")).ToHaveCountAsync(pageSize);
        await Expect(page.GetByTestId("batches-pager")).ToBeVisibleAsync();
        await Expect(page.Locator($"[data-batch-id='{oldestId}']")).ToHaveCountAsync(0);
        await screenshots.TakeAsync(page, "batches-long-list");
        await page.GetByTestId("batches-pager").GetByRole(AriaRole.Link, new() { Name = "Older" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("page=2"));
        await Expect(page.Locator($"[data-batch-id='{oldestId}']")).ToHaveCountAsync(1);
        await screenshots.TakeAsync(page, "batches-older");
    }

    /// <summary>Support finds the organisation's batches among every tenant's and opens one.</summary>
    public async Task SupportOpensBatchAsync(string organisation, string batchId)
    {
        await page.GotoAsync($"/admin/batches?q={Uri.EscapeDataString(organisation)}");
        var link = page.GetByTestId("admin-batches-table").Locator($"a[href='/admin/batches/{batchId}']");
        await Expect(link).ToBeVisibleAsync();
        await screenshots.TakeAsync(page, "support-batches");
        await link.ClickAsync();
        await Expect(page.GetByTestId("admin-batch-title")).ToHaveTextAsync(batchId);
        await Expect(page.GetByTestId("admin-batch-tenant")).ToHaveTextAsync(organisation);
        await Expect(page.GetByTestId("batch-status")).ToHaveAttributeAsync("data-status", "completed");
        await Expect(page.GetByTestId("admin-cancel-batch")).ToHaveCountAsync(0);
        await screenshots.TakeAsync(page, "support-batch");
    }

    /// <summary>
    /// A look at the current page as a phone shows it; returns the width its content needs (more than the window: it
    /// scrolls sideways, or a table scrolls or clips inside its own box).
    /// </summary>
    public async Task<int> ScreenshotNarrowAsync(int width, string step)
    {
        var before = page.ViewportSize;
        await page.SetViewportSizeAsync(width, 844);
        await screenshots.TakeAsync(page, $"{step}-at-{width}px");
        var scrollWidth = await page.EvaluateAsync<int>(
            "() => Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll('.mud-table-container')]" +
            ".map(t => document.documentElement.clientWidth + t.scrollWidth - t.clientWidth))");
        await Viewport.RestoreAsync(page, before);
        return scrollWidth;
    }

    private async Task UploadAsync(string filename, string jsonl)
    {
        await Expect(page.GetByTestId("choose-file")).ToBeEnabledAsync();
        // MudFileUpload adds a fresh input after each choice (so the same file can be chosen again): the last one is live.
        await page.Locator("input[type=file]").Last.SetInputFilesAsync(new FilePayload
        {
            Name = filename, MimeType = "application/jsonl", Buffer = Encoding.UTF8.GetBytes(jsonl),
        });
    }

    [GeneratedRegex(@"/batches/(?<id>batch_[A-Za-z0-9]{24})$")]
    private static partial Regex BatchUrl();
}
