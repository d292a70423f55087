using System.Globalization;
using Microsoft.Playwright;

namespace Portal.Benchmarks;

/// <summary>
/// Memory per idle circuit: N tabs of the GPU catalog in Debian's Chromium (headless, Playwright), each with its own Blazor
/// circuit, left idle; the portal process's RSS (and managed heap) after a full GC, before and after, divided by N.
/// Signed in as the tenant's member by default (the layout a customer gets); --visitor for anonymous tabs. --path / measures the
/// dashboard (interactive); a static page's tabs open no circuit, so its figure is what an idle tab costs without one.
/// </summary>
internal static class CircuitBenchmarkCommand
{
    private const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<int> RunAsync(Func<string, string?> arg, bool visitor, TextWriter output)
    {
        var tabs = int.Parse(arg("--tabs") ?? "40", CultureInfo.InvariantCulture);
        var path = arg("--path") ?? "/catalog/gpus";
        output.WriteLine($"Circuit benchmark: {tabs} idle tabs of {path} in {ChromiumPath}, {(visitor ? "visitor" : "signed-in member")} " +
            $"(load before: {PageBenchmarkCommand.LoadAverage()})");
        await using var portal = await PortalChildProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new() { BaseURL = portal.BaseUrl });
        if (!visitor)
        {
            var (_, cookies) = await PageBenchmarkClient.SignedInAsync(portal.BaseUrl, portal.MemberEmail, PageBenchmarkData.MemberPassword);
            await context.AddCookiesAsync(cookies.GetAllCookies().Select(c => new Cookie
            {
                Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure,
            }));
        }

        // As many plain GETs of the page as there will be tabs (prerendered HTML, no circuit): the allocator, the GC's budgets,
        // JIT and pools grow to a rendering portal's size first, so the "before" figure is not a process that has rendered one
        // page. Without it a static page's 40 tabs, holding nothing, still "cost" ~880 KB each (issue 17).
        using var http = visitor ? new HttpClient { BaseAddress = new Uri(portal.BaseUrl) }
            : (await PageBenchmarkClient.SignedInAsync(portal.BaseUrl, portal.MemberEmail, PageBenchmarkData.MemberPassword)).Client;
        for (var i = 0; i < tabs; i++) (await http.GetAsync(path)).EnsureSuccessStatusCode();
        // Then one tab, closed again: the circuit's own code and caches warm too.
        var warm = await context.NewPageAsync();
        var interactive = await OpenAsync(warm, path, portal, 0);
        await warm.CloseAsync();
        await WaitForCircuitsAsync(portal, 0);
        var before = await portal.MemoryAsync();

        var pages = new List<IPage>();
        for (var i = 0; i < tabs; i++)
        {
            var page = await context.NewPageAsync();
            await OpenAsync(page, path, portal, i);
            pages.Add(page);
        }
        if (!interactive) output.WriteLine($"  {path} is a static page (no interactive component in its HTML): its tabs hold no circuit");
        await Task.Delay(TimeSpan.FromSeconds(5)); // idle: no clicks; let the first renders' garbage become garbage
        var after = await portal.MemoryAsync();
        output.WriteLine($"  portal process {portal.Pid}; RSS before {before.RssKb:N0} KB, after {after.RssKb:N0} KB " +
            $"with {await portal.OpenCircuitsAsync()} circuits open");
        output.WriteLine($"  managed heap before {before.HeapKb:N0} KB, after {after.HeapKb:N0} KB");
        output.WriteLine($"  per circuit: {(after.RssKb - before.RssKb) / (double)tabs:N0} KB RSS, " +
            $"{(after.HeapKb - before.HeapKb) / (double)tabs:N0} KB managed heap");
        output.WriteLine($"  load after: {PageBenchmarkCommand.LoadAverage()}");
        // --hold 120: the tabs stay open that long, for a heap snapshot (dotnet-gcdump collect -p <pid>) of the portal.
        if (arg("--hold") is { } hold)
        {
            output.WriteLine($"  holding the tabs open for {hold} s: portal process {portal.Pid}");
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(hold, CultureInfo.InvariantCulture)));
        }
        return 0;
    }

    /// <summary>
    /// Loads the page and, where its HTML asks for a circuit (a server component marker), waits until the portal counts it open
    /// (the tab is then interactive); a static page (the catalog since issue 17) opens none. Returns whether it asked for one.
    /// </summary>
    private static async Task<bool> OpenAsync(IPage page, string path, PortalChildProcess portal, int openBefore)
    {
        var response = await page.GotoAsync(path);
        if (response?.Ok != true) throw new InvalidOperationException($"{path}: {response?.Status}");
        var interactive = (await response.TextAsync()).Contains("\"type\":\"server\"", StringComparison.Ordinal);
        if (interactive) await WaitForCircuitsAsync(portal, openBefore + 1);
        else await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return interactive;
    }

    private static async Task WaitForCircuitsAsync(PortalChildProcess portal, int expected)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await portal.OpenCircuitsAsync() == expected) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"The portal did not reach {expected} open circuits in a minute.");
    }
}
