using System.Globalization;
using Microsoft.Playwright;

namespace Portal.Benchmarks;

/// <summary>
/// Memory per idle circuit: N tabs of the GPU catalog in Debian's Chromium (headless, Playwright), each with its own Blazor
/// circuit, left idle; the portal process's RSS (and managed heap, GC committed memory) after a full GC, before and after,
/// divided by N; then the tabs closed and N opened again, whose growth is the marginal cost of a tab (the first round's
/// includes what the process grows once to serve N visitors).
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
        await OpenAsync(warm, path, portal, 0);
        await warm.CloseAsync();
        await WaitForCircuitsAsync(portal, 0);
        var before = await portal.MemoryAsync();

        // Two rounds: N tabs opened, measured, closed; then N again. The first round's growth holds what the portal pays once
        // (pools, buffers and caches growing to N concurrent visitors, JIT of paths the warm-up missed); the second round's,
        // on a process that has already served N tabs, is what one more idle tab costs: the figure the goal is about.
        var first = await OpenTabsAsync(context, path, portal, tabs);
        if (!first.Interactive) output.WriteLine($"  {path} is a static page (no interactive component in its HTML): its tabs hold no circuit");
        var after = await IdleThenMeasureAsync(portal);
        var circuits = await portal.OpenCircuitsAsync();
        foreach (var page in first.Pages) await page.CloseAsync();
        await WaitForCircuitsAsync(portal, 0);
        var closed = await IdleThenMeasureAsync(portal);
        var second = await OpenTabsAsync(context, path, portal, tabs);
        var again = await IdleThenMeasureAsync(portal);

        output.WriteLine($"  portal process {portal.Pid}; {circuits} circuits open with the first {tabs} tabs");
        output.WriteLine($"  {"",-30} | {"RSS KB",9} | {"heap KB",9} | {"GC committed KB",15} | threads");
        foreach (var (name, m) in new[] { ("before", before), ($"{tabs} tabs open", after), ("closed again", closed), ($"{tabs} tabs open again", again) })
            output.WriteLine($"  {name,-30} | {m.RssKb,9:N0} | {m.HeapKb,9:N0} | {m.CommittedKb,15:N0} | {m.Threads}");
        output.WriteLine($"  first {tabs} tabs, per tab: {(after.RssKb - before.RssKb) / (double)tabs:N0} KB RSS, " +
            $"{(after.HeapKb - before.HeapKb) / (double)tabs:N0} KB managed heap, " +
            $"{(after.CommittedKb - before.CommittedKb) / (double)tabs:N0} KB GC committed " +
            "(one-time growth included)");
        output.WriteLine($"  per circuit (marginal: the second {tabs} tabs, from closed): {(again.RssKb - closed.RssKb) / (double)tabs:N0} KB RSS, " +
            $"{(again.HeapKb - closed.HeapKb) / (double)tabs:N0} KB managed heap, " +
            $"{(again.CommittedKb - closed.CommittedKb) / (double)tabs:N0} KB GC committed");
        output.WriteLine($"  load after: {PageBenchmarkCommand.LoadAverage()}");
        // --hold 120: the tabs stay open that long, for a heap snapshot (dotnet-gcdump collect -p <pid>) of the portal.
        if (arg("--hold") is { } hold)
        {
            output.WriteLine($"  holding the tabs open for {hold} s: portal process {portal.Pid}");
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(hold, CultureInfo.InvariantCulture)));
        }
        return 0;
    }

    private static async Task<(List<IPage> Pages, bool Interactive)> OpenTabsAsync(IBrowserContext context, string path, PortalChildProcess portal,
        int tabs)
    {
        var pages = new List<IPage>();
        var open = await portal.OpenCircuitsAsync();
        var interactive = false;
        for (var i = 0; i < tabs; i++)
        {
            var page = await context.NewPageAsync();
            interactive = await OpenAsync(page, path, portal, open + i);
            pages.Add(page);
        }
        return (pages, interactive);
    }

    // Idle: no clicks; let the first renders' garbage become garbage, then a full compacting GC and the process's figures.
    private static async Task<(long RssKb, long HeapKb, long CommittedKb, int Threads)> IdleThenMeasureAsync(PortalChildProcess portal)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        return await portal.MemoryAsync();
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
