using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;

namespace Portal.Benchmarks;

/// <summary>
/// Committed leases per second: <c>signers</c> concurrent loops, each quoting (HoldAsync) and signing (SignAsync)
/// small leases (1-8 GPUs of a random pool, a random whole-hour start within 8 weeks, 1-72 h) as one of 8
/// tenants' Owners, until <c>leases</c> leases were attempted after a warm-up. Latency is per committed lease,
/// quote and sign together, as a user clicking through would wait.
/// </summary>
internal static class LeaseCommitBenchmark
{
    private const int Tenants = 8;

    private static readonly (string Region, string Sku)[] Pools =
    [
        ("us-south-1", "h100-sxm-80gb"), ("us-south-1", "h200-141gb"), ("us-south-1", "b200-180gb"), ("us-south-1", "a100-80gb"),
        ("us-south-1", "l40s-48gb"), ("us-east-2", "h100-sxm-80gb"), ("us-east-2", "h200-141gb"), ("us-east-2", "b200-180gb"),
        ("us-east-2", "a100-80gb"), ("us-east-2", "l40s-48gb"),
    ];

    public sealed record Result(string Database, int Signers, int Committed, int Refused, TimeSpan Elapsed, TimeSpan Cpu, TimeSpan MachineCpu,
        double[] Latencies, double[] HoldLatencies, double[] SignLatencies, IReadOnlyDictionary<string, int> Refusals)
    {
        /// <summary>The local PostgreSQL server's CPU for this run's database during the phase (<see cref="PostgresBackendCpu"/>).</summary>
        public TimeSpan DatabaseCpu { get; init; }
        /// <summary>"cold" (the first leases after the portal started) or "warm" (after the unmeasured warm-up).</summary>
        public string Phase { get; init; } = "warm";
        /// <summary>SQL commands EF Core ran during the phase (quotes and signings, refused ones included).</summary>
        public int Statements { get; init; }
        public int Commits { get; init; }
        /// <summary>The portal and its database together per committed lease: this process plus the PostgreSQL backends (SQLite: in-process).</summary>
        public double PortalAndDatabaseCpuMsPerLease => (Cpu + DatabaseCpu).TotalMilliseconds / Math.Max(1, Committed);
        /// <summary>This process's CPU time rendering and storing the phase's agreement PDFs afterwards (AgreementPdfJob), per PDF.</summary>
        public double PdfJobCpuMsPerLease { get; init; } = double.NaN;
        public double PerSecond => Committed / Elapsed.TotalSeconds;
        /// <summary>This process's CPU time (all threads) per committed lease; a PostgreSQL server's own CPU is not in it.</summary>
        public double CpuMsPerLease => Cpu.TotalMilliseconds / Math.Max(1, Committed);
        /// <summary>The whole machine's busy CPU time per committed lease (this process, a local PostgreSQL, anything else running).</summary>
        public double MachineCpuMsPerLease => MachineCpu.TotalMilliseconds / Math.Max(1, Committed);
        /// <summary>The rate the machine's cores would allow if they did nothing else: cores / machine CPU per lease.</summary>
        public double CpuBoundPerSecond => Environment.ProcessorCount * 1000.0 / Math.Max(0.001, MachineCpuMsPerLease);
    }

    /// <summary>Busy CPU time of the whole machine so far (Linux /proc/stat: user + nice + system + irq + softirq + steal).</summary>
    private static TimeSpan MachineBusy()
    {
        if (!File.Exists("/proc/stat")) return TimeSpan.Zero;
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Jiffies(int i) => f.Length > i ? long.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromMilliseconds((Jiffies(1) + Jiffies(2) + Jiffies(3) + Jiffies(6) + Jiffies(7) + Jiffies(8)) * 10.0);
    }

    /// <summary>
    /// Three phases on one fresh database: <paramref name="cold"/> leases measured right after the portal started (its code
    /// still unoptimised: tiered JIT, EF's first compilations), then <paramref name="warmup"/> unmeasured leases, then
    /// <paramref name="leases"/> measured ones: the steady state of a portal that signs leases all day. Both measured phases
    /// are returned, cold first.
    /// </summary>
    public static async Task<Result[]> RunAsync(string? postgresServer, int signers, int leases, int cold, int warmup, TextWriter log,
        bool profileSql = false)
    {
        await using var host = new LeaseCommitBenchmarkHost(postgresServer);
        _ = host.Services; // start: migrate, seed
        log.WriteLine($"  {host.Describe}: started; {Tenants} tenants, {signers} signers; {cold} cold leases measured, " +
            $"{warmup} warm-up leases not measured, then {leases} warm leases measured");
        var tenants = new List<(Guid, string)>();
        for (var i = 0; i < Tenants; i++) tenants.Add(await host.NewTenantAsync($"Bench tenant {i}"));

        var database = postgresServer is null ? "SQLite" : "PostgreSQL";
        var coldResult = await RunPhaseAsync(host, tenants, signers, cold, seed: 1) with { Database = database, Phase = "cold" };
        await RunPhaseAsync(host, tenants, signers, warmup, seed: 3);
        await RenderPdfsAsync(host); // the earlier phases', so that the measured sweep renders the warm phase's leases only
        using var sql = SqlCommandProfile.Start(byShape: profileSql);
        sql.Reset();
        var result = await RunPhaseAsync(host, tenants, signers, leases, seed: 2);
        sql.Stop();
        if (profileSql) sql.Print(log, Math.Max(1, result.Committed), unit: "lease");
        result = result with { Statements = sql.Commands, Commits = sql.Commits };
        var cpu = Environment.CpuUsage.TotalTime;
        var pdfs = await RenderPdfsAsync(host);
        return
        [
            coldResult,
            result with
            {
                Database = database,
                PdfJobCpuMsPerLease = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / Math.Max(1, pdfs),
            },
        ];
    }

    /// <summary>What the minutely sweep does after commit: render and store every signed agreement's PDF not rendered yet.</summary>
    private static async Task<int> RenderPdfsAsync(LeaseCommitBenchmarkHost host)
    {
        using var scope = host.Services.CreateScope();
        var job = scope.ServiceProvider.GetRequiredService<AgreementPdfJob>();
        var total = 0;
        for (int n; (n = await job.SweepAsync()) > 0;) total += n;
        return total;
    }

    private static async Task<Result> RunPhaseAsync(LeaseCommitBenchmarkHost host, List<(Guid TenantId, string UserId)> tenants,
        int signers, int leases, int seed)
    {
        var latencies = new ConcurrentBag<(double Total, double Hold, double Sign)>();
        var refusals = new ConcurrentDictionary<string, int>();
        var next = 0;
        var database = host.PostgresDatabase is { } name ? new PostgresBackendCpu(name) : null;
        database?.Start();
        var cpu = Environment.CpuUsage.TotalTime;
        var machine = MachineBusy();
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, signers).Select(s => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + s);
            var (_, userId) = tenants[s % tenants.Count];
            await using var scope = await host.AsAsync(userId);
            var quoting = scope.ServiceProvider.GetRequiredService<LeaseQuoting>();
            var leaseSigning = scope.ServiceProvider.GetRequiredService<LeaseSigning>();
            var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            while (Interlocked.Increment(ref next) <= leases)
            {
                var now = time.GetUtcNow().UtcDateTime;
                var thisHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
                var (region, sku) = Pools[random.Next(Pools.Length)];
                var request = new LeaseRequest(region, sku, random.Next(1, 9), thisHour.AddHours(random.Next(1, 8 * 7 * 24)), random.Next(1, 73));
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var held = await quoting.HoldAsync(request);
                    var signing = Stopwatch.GetTimestamp();
                    await leaseSigning.SignAsync(held.Id, "Bench Signer", accepted: true);
                    var done = Stopwatch.GetTimestamp();
                    latencies.Add((Ms(started, done), Ms(started, signing), Ms(signing, done)));
                }
                catch (LeaseException e)
                {
                    refusals.AddOrUpdate(e.Code, 1, (_, n) => n + 1);
                }
            }
        })).ToList();
        await Task.WhenAll(loops);
        clock.Stop();
        var databaseCpu = database?.Elapsed() ?? TimeSpan.Zero;
        var all = latencies.ToArray();
        return new Result("", signers, all.Length, refusals.Values.Sum(), clock.Elapsed, Environment.CpuUsage.TotalTime - cpu, MachineBusy() - machine,
            Sorted(all.Select(l => l.Total)), Sorted(all.Select(l => l.Hold)), Sorted(all.Select(l => l.Sign)), refusals)
        {
            DatabaseCpu = databaseCpu,
        };
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private static double[] Sorted(IEnumerable<double> values)
    {
        var a = values.ToArray();
        Array.Sort(a);
        return a;
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static void Print(IReadOnlyList<Result> results, TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"{"database",-10} | {"phase",5} | {"signers",7} | {"committed",9} | {"leases/s",8} | " +
            $"{"p50 ms",7} | {"p95 ms",7} | {"p99 ms",7} | {"max ms",7} | " +
            $"{"quote p50",9} | {"sign p50",8} | {"CPU ms/lease",12} | {"+database",9} | {"machine CPU",11} | {"CPU-bound/s",11} | {"SQL/lease",9} | " +
            $"{"PDF job CPU",11} | refusals");
        w.WriteLine(new string('-', 208));
        foreach (var r in results)
            w.WriteLine($"{r.Database,-10} | {r.Phase,5} | {r.Signers,7} | {r.Committed,9:N0} | {r.PerSecond,8:N1} | {Percentile(r.Latencies, 50),7:N1} | " +
                $"{Percentile(r.Latencies, 95),7:N1} | {Percentile(r.Latencies, 99),7:N1} | " +
                $"{(r.Latencies.Length == 0 ? double.NaN : r.Latencies[^1]),7:N1} | {Percentile(r.HoldLatencies, 50),9:N1} | " +
                $"{Percentile(r.SignLatencies, 50),8:N1} | {r.CpuMsPerLease,12:N1} | {r.PortalAndDatabaseCpuMsPerLease,9:N1} | " +
                $"{r.MachineCpuMsPerLease,11:N1} | {r.CpuBoundPerSecond,11:N0} | " +
                $"{(r.Phase == "cold" ? "" : (r.Statements / (double)Math.Max(1, r.Committed)).ToString("N1",
                    System.Globalization.CultureInfo.CurrentCulture)),9} | " +
                $"{r.PdfJobCpuMsPerLease,11:N1} | " +
                (r.Refused == 0 ? "0" : $"{r.Refused} ({string.Join(", ", r.Refusals.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))})"));
        w.WriteLine();
        w.WriteLine("""
            Definitions:
              phase       cold: the first leases after the portal started (the SQLite run first warms the shared code for
                          PostgreSQL's); warm: after the unmeasured warm-up (--warmup), the steady state of a portal that signs
                          leases all day. SQL/lease and PDF job CPU are counted in the warm phase only.
              committed   leases quoted (held) and signed; leases/s = committed / wall-clock time of the measured phase.
              p50..max    latency per committed lease, quote + sign, as one signer waits for it; quote p50 and
                          sign p50 are the two halves. Refusals (e.g. no_capacity) are counted, not timed.
              CPU ms/lease  this process's CPU time (all threads) during the phase / committed leases: what a lease
                          costs the portal whatever else the machine runs (PostgreSQL's own CPU is not included).
              +database   CPU ms/lease plus the local PostgreSQL server's backends for this run's database (and its WAL
                          writer), from /proc: the portal and its database together, without the rest of the machine, so
                          it stays comparable when other programs load the machine (SQLite runs in-process: same figure).
              machine CPU  the whole machine's busy CPU time during the phase / committed leases: the portal, a local
                          PostgreSQL and anything else running (run it on a quiet machine).
              SQL/lease   SQL commands EF Core ran during the phase / committed leases (quote and sign, refusals included).
              CPU-bound/s  cores x 1000 / machine CPU ms per lease: the most this machine could commit if its cores
                          did nothing else; leases/s near it means the run was CPU-bound, not lock-bound.
              PDF job CPU  this process's CPU ms per agreement PDF rendered and stored after the phase by AgreementPdfJob's
                          sweep (signing stores the signed terms and their hash; the PDF is rendered after commit).
                          A lease's whole CPU cost is CPU ms/lease + PDF job CPU.
            Goal (issue 4): at least 50 leases/s on SQLite and 200 leases/s on PostgreSQL, p99 under 250 ms.
            """);
    }
}
