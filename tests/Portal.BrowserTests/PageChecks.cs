using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;

namespace Portal.BrowserTests;

/// <summary>
/// Screenshots and axe-core accessibility checks of a page as a person would see it: at desk (1280 px) and phone (390 px)
/// width, in the light and the dark theme. Serious and critical violations fail the test with a readable list;
/// lesser ones (best practices) are left to the people who read the screenshots.
/// </summary>
public sealed class PageChecks(IPage page, StepScreenshots screenshots)
{
    public const int DeskWidth = 1280;
    public const int PhoneWidth = 390;

    /// <summary>Every width and theme a page is checked in, in an order that changes theme only once.</summary>
    public static readonly (int Width, bool Dark)[] Looks = [(DeskWidth, false), (PhoneWidth, false), (PhoneWidth, true), (DeskWidth, true)];

    /// <summary>WCAG 2.1 A and AA, violations only: what "serious or critical" is about, and much faster than every rule's passes.</summary>
    private static readonly AxeRunOptions Rules = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        ResultTypes = [ResultType.Violations],
    };

    private readonly List<string> findings = [];
    private readonly List<string> excluded = [];

    /// <summary>
    /// Leaves a part of the page out of axe's checks, for a part another change is redesigning; say why where it is called,
    /// and remove the call when that change lands.
    /// </summary>
    public PageChecks Excluding(string selector)
    {
        excluded.Add(selector);
        return this;
    }

    /// <summary>The one-call form for journeys: <paramref name="name"/> in all four looks, failing at once on a serious violation.</summary>
    public static async Task ScreenshotAndAxeAsync(IPage page, StepScreenshots screenshots, string name, string? readyTestId = null)
    {
        var checks = new PageChecks(page, screenshots);
        await checks.CheckEveryLookAsync(name, readyTestId);
        checks.AssertNoSeriousViolations();
    }

    /// <summary>
    /// The current page in every look (reloaded to change theme), back in the look it started in. Findings are kept for
    /// <see cref="AssertNoSeriousViolations"/>, so that one run lists every page's problems, not only the first.
    /// </summary>
    public async Task CheckEveryLookAsync(string name, string? readyTestId = null)
    {
        var startWidth = page.ViewportSize?.Width ?? DeskWidth;
        var startDark = await IsDarkAsync();
        foreach (var (width, dark) in Looks)
        {
            await SetLookAsync(width, dark, readyTestId);
            await CheckAsync(name, readyTestId);
        }
        await SetLookAsync(startWidth, startDark, readyTestId);
    }

    /// <summary>The page as it is now: a screenshot named after the look, and axe's findings recorded.</summary>
    public async Task CheckAsync(string name, string? readyTestId = null)
    {
        if (readyTestId is not null) await Expect(page.GetByTestId(readyTestId).First).ToBeVisibleAsync();
        var look = $"{page.ViewportSize?.Width ?? DeskWidth}px-{(await IsDarkAsync() ? "dark" : "light")}";
        await screenshots.TakeAsync(page, $"{name}-{look}");
        var result = excluded.Count == 0
            ? await page.RunAxe(Rules)
            : await page.RunAxe(new AxeRunContext { Exclude = excluded.Select(e => new AxeSelector(e)).ToList() }, Rules);
        foreach (var violation in result.Violations.Where(v => v.Impact is "serious" or "critical"))
            findings.Add(Describe($"{name} at {look}", violation));
    }

    /// <summary>Switches width and theme; a theme change reloads the page, as the theme button does on a static page.</summary>
    public async Task SetLookAsync(int width, bool dark, string? readyTestId = null)
    {
        if (page.ViewportSize?.Width != width)
        {
            var wasWide = page.ViewportSize?.Width >= DeskWidth;
            await page.SetViewportSizeAsync(width, width >= DeskWidth ? 900 : 844);
            if (width >= DeskWidth && !wasWide && await page.Locator(".mud-drawer").CountAsync() > 0)
                await Viewport.RestoreAsync(page, page.ViewportSize);
        }
        if (await IsDarkAsync() != dark)
        {
            await page.Context.AddCookiesAsync([new() { Name = "portal-theme", Value = dark ? "dark" : "light", Url = Origin }]);
            await page.ReloadAsync();
        }
        if (readyTestId is not null) await Expect(page.GetByTestId(readyTestId).First).ToBeVisibleAsync();
    }

    public void AssertNoSeriousViolations()
    {
        // Kept beside the screenshots too: a long list is easier to read there than in a test log.
        File.WriteAllText(Path.Combine(screenshots.Folder, "axe-findings.txt"), string.Join("\n\n", findings));
        Assert.True(findings.Count == 0,
            $"axe found {findings.Count} serious or critical accessibility problem(s):\n\n" + string.Join("\n\n", findings));
    }

    private string Origin => new Uri(page.Url).GetLeftPart(UriPartial.Authority);

    private async Task<bool> IsDarkAsync()
    {
        var cookies = await page.Context.CookiesAsync([Origin]);
        return cookies.Any(c => c.Name == "portal-theme" && c.Value == "dark");
    }

    private static string Describe(string where, AxeResultItem violation)
    {
        var nodes = violation.Nodes.Take(5).Select(n =>
            $"    {n.Target}: {Shorten(string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message)))}\n      {Shorten(n.Html)}");
        var more = violation.Nodes.Length > 5 ? $"\n    … and {violation.Nodes.Length - 5} more" : "";
        return $"{where}: {violation.Id} ({violation.Impact}): {violation.Help}\n{string.Join("\n", nodes)}{more}";
    }

    private static string Shorten(string? text)
    {
        var flat = (text ?? "").ReplaceLineEndings(" ");
        return flat.Length <= 240 ? flat : flat[..240] + "…";
    }
}
