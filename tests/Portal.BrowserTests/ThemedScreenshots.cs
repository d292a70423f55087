namespace Portal.BrowserTests;

/// <summary>
/// One step screenshot in the four ways a customer may see it: 1280 and 390 px wide, light and dark. The theme is the
/// portal's own cookie, so each theme is a reload; <c>afterLoad</c> puts the page back in the state the step shows.
/// At phone width the page must not scroll sideways.
/// </summary>
public static class ThemedScreenshots
{
    private const string ThemeCookie = "portal-theme"; // Portal.Web.Components.ThemeCookie.Name

    public static async Task TakeAsync(IPage page, StepScreenshots screenshots, string step, string readySelector, Func<Task>? afterLoad = null)
    {
        var before = page.ViewportSize;
        foreach (var dark in new[] { false, true })
        {
            await SetThemeAsync(page, dark);
            await page.ReloadAsync();
            if (afterLoad is not null) await afterLoad();
            foreach (var (width, height) in new[] { (1280, 900), (390, 844) })
            {
                await page.SetViewportSizeAsync(width, height);
                await Expect(page.Locator(readySelector).First).ToBeVisibleAsync();
                await screenshots.TakeAsync(page, $"{step}-{width}px-{(dark ? "dark" : "light")}");
                var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
                Assert.True(scrollWidth <= width, $"{step} scrolls sideways at {width} px ({(dark ? "dark" : "light")}): {scrollWidth} px wide.");
            }
        }
        await SetThemeAsync(page, dark: false);
        await page.ReloadAsync();
        if (afterLoad is not null) await afterLoad();
        // The account pages have no drawer to wait for; the portal's pages do (see Viewport.RestoreAsync).
        if (await page.Locator(".mud-drawer").CountAsync() > 0) await Viewport.RestoreAsync(page, before);
        else if (before is not null) await page.SetViewportSizeAsync(before.Width, before.Height);
    }

    private static Task SetThemeAsync(IPage page, bool dark) =>
        page.Context.AddCookiesAsync(
            [new Cookie { Name = ThemeCookie, Value = dark ? "dark" : "light", Url = new Uri(page.Url).GetLeftPart(UriPartial.Authority) }]);
}
