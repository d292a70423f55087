namespace Portal.BrowserTests;

public static class Viewport
{
    /// <summary>
    /// The page at phone width once <paramref name="readyTestId"/> shows, screenshot as "<paramref name="step"/>-at-Npx";
    /// returns how wide the page is (wider than the window: it scrolls sideways). The caller's width comes back afterwards.
    /// </summary>
    public static async Task<int> ScreenshotNarrowAsync(IPage page, StepScreenshots screenshots, int width, string readyTestId, string step)
    {
        var before = page.ViewportSize;
        await page.SetViewportSizeAsync(width, 844);
        await Expect(page.GetByTestId(readyTestId)).ToBeVisibleAsync();
        await screenshots.TakeAsync(page, $"{step}-at-{width}px");
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        await RestoreAsync(page, before);
        return scrollWidth;
    }

    /// <summary>
    /// Back to the wide window after a phone-sized screenshot, and waits until the layout has settled: MudBlazor reopens
    /// the responsive drawer after a round trip to the server, which slides the page right. A click aimed before that
    /// lands where the button used to be (seen once under load: the "Release early" click opened nothing).
    /// </summary>
    public static async Task RestoreAsync(IPage page, PageViewportSizeResult? before)
    {
        if (before is null) return;
        await page.SetViewportSizeAsync(before.Width, before.Height);
        await Expect(page.Locator(".mud-drawer--open")).ToBeVisibleAsync();
        await page.EvaluateAsync("""
            async () => {
                const main = document.querySelector('.mud-main-content [data-testid]') ?? document.querySelector('.mud-main-content');
                let last = null;
                for (let i = 0; i < 100; i++) {
                    const box = main ? main.getBoundingClientRect() : null;
                    const now = box ? box.left + ',' + box.top : '';
                    if (now === last) return;
                    last = now;
                    await new Promise(r => setTimeout(r, 200));
                }
            }
            """);
    }
}
