using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Portal.Benchmarks;

/// <summary>
/// Page load times: the seeded portal in its own process, 20 concurrent users each GETting the prerendered page (HTML only,
/// as a first visit's document request) with their cookies, N requests per page after a warm-up (the catalog pages as a
/// signed-out visitor and as the member); p50/p95/max per page, and
/// the portal process's CPU time per request (what the page costs, less dependent on what else loads the machine).
/// </summary>
internal static class PageBenchmarkCommand
{
    public static async Task<int> RunAsync(Func<string, string?> arg, bool cached, TextWriter output)
    {
        var users = int.Parse(arg("--users") ?? "20", CultureInfo.InvariantCulture);
        var requests = int.Parse(arg("--requests") ?? "400", CultureInfo.InvariantCulture);
        // Long enough that the hot paths are tier-1 (optimised) JIT code when measured: 40 left them partly in tier 0 (issue 17).
        var warmUp = int.Parse(arg("--warmup") ?? "300", CultureInfo.InvariantCulture);
        var only = arg("--only");
        output.WriteLine($"Page benchmark: {users} concurrent users, {requests:N0} GETs per page after {warmUp:N0} warm-up GETs of it; " +
            $"visitors' catalog page cache {(cached ? "on" : "off")} (.NET {Environment.Version}, {Environment.ProcessorCount} cores; " +
            $"load before: {LoadAverage()})");
        await using var portal = await PortalChildProcess.StartAsync(cached ? [] : [new("Catalog__VisitorPageCache", "false")]);
        output.WriteLine($"  portal: Release, Production, SQLite, simulated pool, server GC, process {portal.Pid} at {portal.BaseUrl}");
        var (member, _) = await PageBenchmarkClient.SignedInAsync(portal.BaseUrl, portal.MemberEmail, PageBenchmarkData.MemberPassword);
        var (support, _) = await PageBenchmarkClient.SignedInAsync(portal.BaseUrl, PagePortalHost.SupportEmail, PagePortalHost.SupportPassword);
        // Visitors (signed out, keeping their cookies like a browser) are who the public catalog is for; members browse it too.
        using var visitor = PageBenchmarkClient.Anonymous(portal.BaseUrl);
        (string Name, string Path, HttpClient Client)[] pages =
        [
            ("GPU catalog", "/catalog/gpus", visitor),
            ("SKU page", "/catalog/gpus/h100-sxm-80gb", visitor),
            ("models", "/catalog/models", visitor),
            ("availability", "/catalog/availability?region=us-south-1&sku=h100-sxm-80gb", visitor),
            ("GPU catalog (m)", "/catalog/gpus", member),
            ("SKU page (m)", "/catalog/gpus/h100-sxm-80gb", member),
            ("models (m)", "/catalog/models", member),
            ("availability (m)", "/catalog/availability?region=us-south-1&sku=h100-sxm-80gb", member),
            ("dashboard", "/", member),
            ("leases", "/leases", member),
            ("batches", "/batches", member),
            ("usage", "/usage", member),
            ("Support: tenants", "/admin/tenants", support),
            ("Support: leases", "/admin/leases", support),
            ("Support: audit", "/admin/audit", support),
        ];
        output.WriteLine($"{"page",-18} | {"p50 ms",7} | {"p95 ms",7} | {"max ms",7} | {"req/s",6} | {"CPU ms/req",10} | {"KB",5} | errors");
        output.WriteLine(new string('-', 85));
        foreach (var (name, path, client) in pages.Where(p => only is null || p.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
        {
            await LoadAsync(client, path, users, warmUp);
            var cpu = await portal.CpuMsAsync();
            var (times, bytes, errors, elapsed) = await LoadAsync(client, path, users, requests);
            cpu = (await portal.CpuMsAsync() - cpu) / requests;
            times.Sort();
            output.WriteLine($"{name,-18} | {Percentile(times, 0.50),7:F1} | {Percentile(times, 0.95),7:F1} | {times[^1],7:F1} | " +
                $"{requests / elapsed.TotalSeconds,6:F0} | {cpu,10:F1} | {bytes / 1024,5} | {errors}");
        }
        output.WriteLine("  (m): signed in as the tenant's member (their layout: never served from the visitors' cache)");
        output.WriteLine($"  load after: {LoadAverage()}");
        return 0;
    }

    private static async Task<(List<double> Times, long Bytes, int Errors, TimeSpan Elapsed)> LoadAsync(HttpClient client, string path, int users, int requests)
    {
        var times = new List<double>(requests);
        var left = requests;
        var errors = 0;
        long bytes = 0;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, users).Select(async _ =>
        {
            while (Interlocked.Decrement(ref left) >= 0)
            {
                var sw = Stopwatch.StartNew();
                using var response = await client.GetAsync(path);
                var body = await response.Content.ReadAsByteArrayAsync();
                var ms = sw.Elapsed.TotalMilliseconds;
                lock (times) times.Add(ms);
                Interlocked.Exchange(ref bytes, body.Length);
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
            }
        }));
        return (times, bytes, errors, wall.Elapsed);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
