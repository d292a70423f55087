using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>
/// What a tenant Owner does with a lease, step by step, checking at each step what they would see.
/// Selectors are field ids, option names and data-testid attributes, as in <see cref="PortalJourney"/>.
/// </summary>
public sealed partial class LeaseJourney(IPage page, StepScreenshots screenshots)
{
    /// <summary>Long enough for the job server to pick the lease up and the simulator to reserve its nodes.</summary>
    private const float JobTimeoutMs = 60_000;

    private ILocator State => page.GetByTestId("lease-state").First;

    public async Task OpenEmptyLeasesAsync()
    {
        await page.GotoAsync("/leases");
        await Expect(page.GetByTestId("leases-empty")).ToContainTextAsync("No leases yet");
        await screenshots.TakeAsync(page, "leases-empty");
    }

    /// <summary>
    /// From the empty leases page: the form, filled in as a person would, until its live check says it fits at <paramref name="expectedTotal"/>.
    /// </summary>
    public async Task FillNewLeaseAsync(string skuName, string region, int gpus, int hours, string expectedTotal)
    {
        await page.GetByTestId("leases-empty").GetByRole(AriaRole.Link, new() { Name = "New lease" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/leases/new$"));
        // The default request is checked and holdable once the circuit is up; before that the selects ignore clicks.
        await Expect(page.GetByTestId("quote-and-hold")).ToBeEnabledAsync();

        await ChooseAsync("lease-sku", skuName);
        await ChooseAsync("lease-region", region);
        await FillSettledAsync("#lease-gpus", gpus.ToString(CultureInfo.InvariantCulture));
        await ChooseAsync("lease-duration-unit", "hours", exact: true);
        await FillSettledAsync("#lease-duration", hours.ToString(CultureInfo.InvariantCulture));

        // "Now" is the default start; the panel answers for exactly what is on the form.
        await Expect(page.GetByTestId("lease-start-mode").GetByRole(AriaRole.Radio).First).ToBeCheckedAsync();
        var quote = page.GetByTestId("quote-panel");
        await Expect(quote.GetByTestId("price-total")).ToHaveTextAsync(expectedTotal);
        await Expect(quote.GetByTestId("fits")).ToContainTextAsync($"{gpus} GPUs in {region}");
        await Expect(quote.GetByTestId("fits")).ToContainTextAsync($"({hours} hours)");
        await Expect(page.GetByTestId("quote-and-hold")).ToBeEnabledAsync();
        await screenshots.TakeAsync(page, "new-lease-fits");
    }

    /// <summary>Quote and hold; returns the held lease's id from the review page's address.</summary>
    public async Task<Guid> QuoteAndHoldAsync(string expectedTotal)
    {
        await page.GetByTestId("quote-and-hold").ClickAsync();
        await Expect(page).ToHaveURLAsync(ReviewUrl());
        var id = Guid.Parse(ReviewUrl().Match(page.Url).Groups["id"].Value);

        await Expect(page.GetByTestId("hold-countdown")).ToContainTextAsync(new Regex(@"\d+ min \d\d s"));
        await Expect(page.GetByTestId("agreement")).ToContainTextAsync("GPU Lease Agreement");
        await Expect(page.GetByTestId("agreement")).ToContainTextAsync(id.ToString());
        await Expect(page.GetByTestId("agreement-version")).ToContainTextAsync(new Regex(@"Agreement version \S+"));
        await Expect(page.GetByTestId("quote-summary").GetByTestId("price-total")).ToHaveTextAsync(expectedTotal);
        await Expect(page.GetByTestId("cancellation-policy")).ToContainTextAsync("Cancel free of charge");
        await screenshots.TakeAsync(page, "review-and-sign");
        return id;
    }

    /// <summary>Types the name, accepts and signs; lands on the lease page, signed, before the pool has it ready.</summary>
    public async Task SignAsync(Guid leaseId, string fullName)
    {
        await SignFormAsync(page.GetByTestId("sign-form"), fullName);
        await Expect(page).ToHaveURLAsync(new Regex($"/leases/{leaseId}$"));
        await Expect(page.GetByTestId("lease-facts")).ToContainTextAsync($"by {fullName}");
        await Expect(State).ToHaveTextAsync(new Regex("Scheduled|Provisioning|Active"));
        await screenshots.TakeAsync(page, "signed");
    }

    /// <summary>
    /// Downloads the signed agreement: a PDF that prints the SHA-256 the lease page shows, the hash recorded at signing of the
    /// signed terms (canonical JSON; the PDF is rendered from them after commit).
    /// </summary>
    public async Task DownloadAgreementAsync()
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("agreement-download").ClickAsync());
        var path = await download.PathAsync();
        var pdf = await File.ReadAllBytesAsync(path);
        Assert.True(pdf.Length > 1000, $"The agreement PDF is only {pdf.Length} bytes.");
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
        Assert.EndsWith(".pdf", download.SuggestedFilename);

        var shown = await page.GetByTestId("lease-facts").Locator("code.lease-sha").GetAttributeAsync("title");
        Assert.Matches("^[0-9a-f]{64}$", shown?.Trim().ToLowerInvariant());
        Assert.Contains(shown!.Trim().ToLowerInvariant(), PdfText.Of(pdf).ToLowerInvariant());
    }

    /// <summary>The job server provisions on the simulator and the open page turns Active by itself, without a reload.</summary>
    public async Task ExpectActiveWithoutReloadAsync()
    {
        // A reload or a full navigation would drop this mark.
        await page.EvaluateAsync("() => window.__leaseJourneyMark = 'still here'");
        await Expect(State).ToHaveTextAsync("Active", new() { Timeout = JobTimeoutMs });
        Assert.Equal("still here", await page.EvaluateAsync<string?>("() => window.__leaseJourneyMark ?? null"));
        await Expect(page.GetByTestId("lease-facts")).ToContainTextAsync("Active since");
        await Expect(page.GetByTestId("lease-allocations")).ToContainTextAsync("ready since");
        await Expect(page.GetByTestId("extendable-until")).ToContainTextAsync("on the same nodes");
        await screenshots.TakeAsync(page, "active");
    }

    /// <summary>Extends by <paramref name="hours"/>: quote in the dialog, sign the amendment, see the new end.</summary>
    public async Task ExtendAsync(int hours, int totalHours, string fullName, string expectedExtensionTotal)
    {
        var endBefore = await EndAsync();
        await Expect(page.GetByTestId("extend")).ToBeEnabledAsync();
        await page.GetByTestId("extend").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Extend lease");
        await dialog.Locator("#extend-hours").FillAsync(hours.ToString(CultureInfo.InvariantCulture));
        await Expect(dialog).ToContainTextAsync($"New end: {Utc(endBefore.AddHours(hours))}");
        await dialog.GetByTestId("extend-quote").ClickAsync();

        await Expect(dialog.GetByTestId("extension-quote")).ToContainTextAsync($"+{hours} hours, to {Utc(endBefore.AddHours(hours))}");
        await Expect(dialog.GetByTestId("price-total")).ToHaveTextAsync(expectedExtensionTotal);
        await Expect(dialog.GetByTestId("agreement")).ToContainTextAsync("Lease Extension Amendment");
        await screenshots.TakeAsync(page, "extension-quoted");
        await SignFormAsync(dialog.GetByTestId("sign-form"), fullName);

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("lease-end")).ToHaveTextAsync($"{Utc(endBefore.AddHours(hours))} ({totalHours} hours)");
        await Expect(page.GetByTestId("extendable-until")).ToContainTextAsync("on the same nodes");
        await Expect(page.GetByTestId("lease-amendments")).ToContainTextAsync("Signed");
        await Expect(page.GetByTestId("amendment-download")).ToBeVisibleAsync();
        await Expect(State).ToHaveTextAsync("Active");
        await screenshots.TakeAsync(page, "extended");
    }

    /// <summary>A look at the lease page as a phone shows it; the caller's width comes back afterwards.</summary>
    public Task<int> ScreenshotNarrowAsync(int width) => Viewport.ScreenshotNarrowAsync(page, screenshots, width, "lease-facts", "lease");

    /// <summary>Releases early through the confirmation, which states the fee; the lease ends live and the fee is on its costs.</summary>
    public async Task ReleaseEarlyAsync()
    {
        await Expect(page.GetByTestId("release-lease")).ToBeEnabledAsync();
        await page.GetByTestId("release-lease").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Release this lease early?");
        await Expect(dialog.GetByTestId("confirm-fee")).ToContainTextAsync("$");
        var fee = (await dialog.GetByTestId("confirm-fee").Locator("strong").TextContentAsync())!.Trim();
        await screenshots.TakeAsync(page, "release-confirm");
        await dialog.GetByTestId("confirm-yes").ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(State).ToHaveTextAsync(new Regex("Ending|Ended"));
        await Expect(page.GetByTestId("cancellation-fee")).ToHaveTextAsync(fee);
        await Expect(page.GetByTestId("release-lease")).ToHaveCountAsync(0);
        // EndLeaseJob gives the reservation back to the simulator; the page follows by itself.
        await Expect(State).ToHaveTextAsync("Ended", new() { Timeout = JobTimeoutMs });
        await screenshots.TakeAsync(page, "released");
    }

    /// <summary>The timeline, newest first, tells the whole story.</summary>
    public async Task ExpectTimelineAsync(params string[] newestFirst)
    {
        var events = page.GetByTestId("timeline-event");
        foreach (var text in newestFirst)
            // Case-sensitive: "Signed by" is the lease's signature, "signed by" an amendment's.
            await Expect(events.Filter(new() { HasTextRegex = new Regex(Regex.Escape(text)) })).ToHaveCountAsync(1);
        var all = await events.AllTextContentsAsync();
        var positions = newestFirst.Select(t => all.ToList().FindIndex(e => e.Contains(t, StringComparison.Ordinal))).ToList();
        Assert.True(positions.SequenceEqual(positions.Order()), $"Timeline out of order:\n{string.Join("\n", all)}");
    }

    private async Task SignFormAsync(ILocator form, string fullName)
    {
        await form.Locator("#signer-name").FillAsync(fullName);
        var accept = form.GetByTestId("accept");
        // The attribute lands on the input or on its wrapper, depending on MudBlazor's version.
        var box = await accept.EvaluateAsync<string>("e => e.tagName") == "INPUT" ? accept : accept.Locator("input");
        await box.CheckAsync();
        var sign = form.GetByTestId("sign");
        await Expect(sign).ToBeEnabledAsync();
        await sign.ClickAsync();
    }

    /// <summary>
    /// Types a value and makes sure it stays: a choice made just before (a unit, a whole-node region) re-renders the field
    /// from the server, and on a busy machine that render can land mid-typing ("24" + "2").
    /// </summary>
    private async Task FillSettledAsync(string selector, string value)
    {
        var field = page.Locator(selector);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await field.FillAsync(value);
            await Task.Delay(300);
            if (await field.InputValueAsync() == value) break;
        }
        await Expect(field).ToHaveValueAsync(value);
    }

    private async Task ChooseAsync(string selectTestId, string option, bool exact = false)
    {
        await page.GetByTestId(selectTestId).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = exact }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);
    }

    private async Task<DateTime> EndAsync()
    {
        var text = await page.GetByTestId("lease-end").TextContentAsync() ?? "";
        var match = UtcTime().Match(text);
        Assert.True(match.Success, $"No end time in \"{text}\".");
        return DateTime.ParseExact(match.Groups[1].Value, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    private static string Utc(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    [GeneratedRegex(@"/leases/(?<id>[0-9a-f-]{36})/review$")]
    private static partial Regex ReviewUrl();

    [GeneratedRegex(@"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC")]
    private static partial Regex UtcTime();
}
