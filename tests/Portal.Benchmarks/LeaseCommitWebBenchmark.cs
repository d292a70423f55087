using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Data;

namespace Portal.Benchmarks;

/// <summary>
/// Lease commits through real web processes (<c>Hosting:Role=web</c>) on one PostgreSQL database: <c>signers</c> loops, spread
/// over the processes, each quoting (POST /api/v1/leases/quote) and signing (POST …/sign) small leases over HTTP with one of
/// 8 tenants' API keys, as <see cref="LeaseCommitBenchmark"/> does in-process. Run once per web-process count (a fresh
/// database each) so that one and two processes compare on the same machine.
/// </summary>
internal static class LeaseCommitWebBenchmark
{
    private const int Tenants = 8;
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(3);

    private static readonly (string Region, string Sku)[] Pools =
    [
        ("us-south-1", "h100-sxm-80gb"), ("us-south-1", "h200-141gb"), ("us-south-1", "b200-180gb"), ("us-south-1", "a100-80gb"),
        ("us-south-1", "l40s-48gb"), ("us-east-2", "h100-sxm-80gb"), ("us-east-2", "h200-141gb"), ("us-east-2", "b200-180gb"),
        ("us-east-2", "a100-80gb"), ("us-east-2", "l40s-48gb"),
    ];

    public sealed record Result(int Webs, int Signers, int Committed, TimeSpan Elapsed, TimeSpan WebCpu, TimeSpan MachineCpu,
        double[] Latencies, double[] QuoteLatencies, double[] SignLatencies, IReadOnlyDictionary<string, int> Refusals, string Load)
    {
        public double PerSecond => Committed / Elapsed.TotalSeconds;
    }

    /// <summary><c>--leases-web --postgres "…" [--webs 1,2] [--signers 16] [--count 2000]</c>: one row per web-process count.</summary>
    public static async Task<int> RunCommandAsync(Func<string, string?> arg, TextWriter log)
    {
        var postgres = arg("--postgres") ?? Environment.GetEnvironmentVariable("PORTAL_BENCH_POSTGRES");
        if (string.IsNullOrWhiteSpace(postgres))
        {
            log.WriteLine("--leases-web needs PostgreSQL: pass --postgres \"<server connection string>\" or set PORTAL_BENCH_POSTGRES.");
            return 1;
        }
        var webs = (arg("--webs") ?? "1,2").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var signers = int.Parse(arg("--signers") ?? "16", CultureInfo.InvariantCulture);
        var count = int.Parse(arg("--count") ?? "2000", CultureInfo.InvariantCulture);
        log.WriteLine($"Lease commit benchmark through web processes: {signers} concurrent signers over HTTP, quote + sign of {count:N0} small " +
            $"leases per row, PostgreSQL (.NET {Environment.Version}, {Environment.ProcessorCount} cores)");
        var results = new List<Result>();
        foreach (var n in webs)
        {
            var r = await RunAsync(postgres, n, signers, count, warmup: 200, log);
            results.Add(r);
            log.WriteLine($"  {n} web process(es): {r.Committed:N0} leases, {r.PerSecond:N1}/s, " +
                $"p50 {LeaseCommitBenchmark.Percentile(r.Latencies, 50):N0} ms, " +
                $"p99 {LeaseCommitBenchmark.Percentile(r.Latencies, 99):N0} ms, load {r.Load}");
        }
        Print(results, log);
        return 0;
    }

    public static async Task<Result> RunAsync(string postgresServer, int webs, int signers, int leases, int warmup, TextWriter log)
    {
        await using var host = new LeaseCommitBenchmarkHost(postgresServer);
        _ = host.Services; // migrate and seed once, before the web processes start
        var keys = new List<string>();
        for (var i = 0; i < Tenants; i++) keys.Add(await KeyAsync(host, $"Web bench tenant {i}"));
        var database = host.Services.GetRequiredService<DatabaseSettings>();
        var processes = Enumerable.Range(0, webs).Select(_ => WebProcess.Start(Settings(database.ConnectionString))).ToList();
        try
        {
            foreach (var web in processes) await web.WaitReadyAsync(StartPatience);
            log.WriteLine($"  {host.Describe}: {webs} web process(es) ready ({string.Join(", ", processes.Select(p => p.Id))}); " +
                $"{signers} signers, {warmup} warm-up + {leases} leases");
            var clients = processes.Select(p => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 })
                { BaseAddress = p.Url, Timeout = TimeSpan.FromMinutes(2) }).ToList();
            await PhaseAsync(clients, keys, signers, warmup, seed: 1, processes);
            return (await PhaseAsync(clients, keys, signers, leases, seed: 2, processes)) with { Webs = webs };
        }
        finally
        {
            foreach (var web in processes) web.Dispose();
        }
    }

    private static IEnumerable<string> Settings(string connectionString) =>
    [
        "--Hosting:Role=web", "--Database:Provider=PostgreSql", $"--ConnectionStrings:Portal={connectionString}",
        "--Support:Email=support@bench.local", "--Support:Password=support-password-for-the-benchmark",
        // Quote and sign never reach the pool: an address where nothing listens keeps each process from starting its own.
        "--Pool:SimulatorUrl=http://127.0.0.1:9/",
        "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        "--Leases:UnverifiedGpuQuota=100000", "--Spend:UnverifiedCeilingMicros=1000000000000000", "--Leases:MaxOpenHolds=100000",
        "--Leases:QuotesPerMinute=6000000", "--RateLimits:Api:PerKey=100000000", "--RateLimits:Api:PerUser=100000000",
    ];

    private static async Task<string> KeyAsync(LeaseCommitBenchmarkHost host, string name)
    {
        var (_, userId) = await host.NewTenantAsync(name);
        await using var scope = await host.AsAsync(userId);
        return (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("bench", ApiKeyScopes.Read | ApiKeyScopes.Leases)).Secret;
    }

    private static async Task<Result> PhaseAsync(List<HttpClient> clients, List<string> keys, int signers, int leases, int seed,
        List<WebProcess> processes)
    {
        var latencies = new ConcurrentBag<(double Total, double Quote, double Sign)>();
        var refusals = new ConcurrentDictionary<string, int>();
        var next = 0;
        var webCpu = processes.Aggregate(TimeSpan.Zero, (t, p) => t + p.Cpu());
        var machine = MachineBusy();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, signers).Select(s => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + s);
            var http = clients[s % clients.Count];
            var key = new AuthenticationHeaderValue("Bearer", keys[s % keys.Count]);
            while (Interlocked.Increment(ref next) <= leases)
            {
                var now = DateTime.UtcNow;
                var thisHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
                var (region, sku) = Pools[random.Next(Pools.Length)];
                var body = new
                {
                    region, sku, gpus = random.Next(1, 9), hours = random.Next(1, 73),
                    start = thisHour.AddHours(random.Next(1, 8 * 7 * 24)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                };
                var started = Stopwatch.GetTimestamp();
                using var quote = await SendAsync(http, key, "/api/v1/leases/quote", body);
                if (quote.StatusCode != HttpStatusCode.Created)
                {
                    refusals.AddOrUpdate(await RefusalAsync(quote), 1, (_, n) => n + 1);
                    continue;
                }
                var id = (await quote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                var signing = Stopwatch.GetTimestamp();
                using var sign = await SendAsync(http, key, $"/api/v1/leases/{id}/sign", new { signerName = "Bench Signer", accept = true });
                if (!sign.IsSuccessStatusCode)
                {
                    refusals.AddOrUpdate("sign " + await RefusalAsync(sign), 1, (_, n) => n + 1);
                    continue;
                }
                var done = Stopwatch.GetTimestamp();
                latencies.Add((Ms(started, done), Ms(started, signing), Ms(signing, done)));
            }
        })));
        clock.Stop();
        var all = latencies.ToArray();
        return new Result(0, signers, all.Length, clock.Elapsed, processes.Aggregate(TimeSpan.Zero, (t, p) => t + p.Cpu()) - webCpu,
            MachineBusy() - machine, Sorted(all.Select(l => l.Total)), Sorted(all.Select(l => l.Quote)), Sorted(all.Select(l => l.Sign)),
            refusals, File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?");
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, AuthenticationHeaderValue key, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = key;
        return http.SendAsync(request);
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            return problem.TryGetProperty("code", out var code) ? code.GetString() ?? "" : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (JsonException)
        {
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Busy CPU time of the whole machine so far (Linux /proc/stat: user + nice + system + irq + softirq + steal).</summary>
    private static TimeSpan MachineBusy()
    {
        if (!File.Exists("/proc/stat")) return TimeSpan.Zero;
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Jiffies(int i) => f.Length > i ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromMilliseconds((Jiffies(1) + Jiffies(2) + Jiffies(3) + Jiffies(6) + Jiffies(7) + Jiffies(8)) * 10.0);
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private static double[] Sorted(IEnumerable<double> values)
    {
        var a = values.ToArray();
        Array.Sort(a);
        return a;
    }

    public static void Print(IReadOnlyList<Result> results, TextWriter w)
    {
        static double P(double[] sorted, double p) => LeaseCommitBenchmark.Percentile(sorted, p);
        w.WriteLine();
        w.WriteLine($"{"web procs",9} | {"signers",7} | {"committed",9} | {"leases/s",8} | {"p50 ms",7} | {"p95 ms",7} | {"p99 ms",7} | {"max ms",7} | " +
            $"{"quote p50",9} | {"sign p50",8} | {"web CPU ms/lease",16} | {"machine CPU",11} | {"load avg",14} | refusals");
        w.WriteLine(new string('-', 170));
        foreach (var r in results)
            w.WriteLine($"{r.Webs,9} | {r.Signers,7} | {r.Committed,9:N0} | {r.PerSecond,8:N1} | {P(r.Latencies, 50),7:N1} | {P(r.Latencies, 95),7:N1} | " +
                $"{P(r.Latencies, 99),7:N1} | {(r.Latencies.Length == 0 ? double.NaN : r.Latencies[^1]),7:N1} | {P(r.QuoteLatencies, 50),9:N1} | " +
                $"{P(r.SignLatencies, 50),8:N1} | {r.WebCpu.TotalMilliseconds / Math.Max(1, r.Committed),16:N1} | " +
                $"{r.MachineCpu.TotalMilliseconds / Math.Max(1, r.Committed),11:N1} | {r.Load,14} | " +
                (r.Refusals.Count == 0 ? "0" : string.Join(", ", r.Refusals.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))));
        w.WriteLine();
        w.WriteLine("""
            Definitions:
              web procs   portal processes with Hosting:Role=web on one PostgreSQL database (a fresh one per row); signers
                          are spread over them round-robin and call the lease API over HTTP with API keys.
              p50..max    per committed lease, quote + sign over HTTP, as one signer waits; quote p50 and sign p50 are the halves.
              web CPU     the web processes' CPU time (user + system) during the phase / committed leases.
              machine CPU the whole machine's busy CPU time during the phase / committed leases (web processes, PostgreSQL,
                          this load generator and anything else running); load avg = /proc/loadavg (1, 5, 15 min) at the end.
            """);
    }
}
