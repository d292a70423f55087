using System.Globalization;
using Portal.Benchmarks;
using Portal.Core.Capacity;

// Usage: dotnet run -c Release --project tests/Portal.Benchmarks -- [--data DIR] [--factors 1,1000,6000] [--lists default,gpuspec10,gpuspec20]
//        [--repeat 3] [--plain-best-fit] [--no-calendar] [--shuffles 200]
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --leases [--postgres "<server connection string>"] [--signers 16] [--count 2000]
//        [--cold 200] [--warmup 2000]
//        [--no-sqlite] [--profile-sql]
//        (committed leases per second; --postgres defaults to $PORTAL_BENCH_POSTGRES)
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --leases-web --postgres "<server connection string>" [--webs 1,2] [--signers 16]
//        [--count 2000] (the same through 1 and 2 web processes, Hosting:Role=web, over HTTP)
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --batches [--lines 100000] [--small 10000] [--repeat 3]
//        [--endpoint chat|completions|embeddings] [--postgres "<server connection string>"] [--no-sqlite] [--instant] [--set Key=Value]
//        (a batch through validation and the runner against the simulator, beside a bare HttpClient loop; peak memory)
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --jobs [--launches 200] [--queued 1000] [--log-mb 50] [--readers 20]
//        [--postgres "<server connection string>"] [--no-sqlite] [--set Key=Value] (script jobs on the simulator; 0 skips a part)
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --slurm [--cluster /tmp/portal-slurm] [--leases 50] [--launches 200]
//        (leases and jobs on a real Slurm cluster started by scripts/slurm-cluster.sh start)
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --hyperscale [--nodes 12500] [--allocations 100000] [--tenants 2000]
//        [--gpus 50000] [--postgres "<server connection string>"] [--no-sqlite] (issue 18's figures on the seeded hyperscale pool)
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --pages [--users 20] [--requests 400] [--warmup 300] [--only NAME] [--no-page-cache]
//    or: dotnet run -c Release --project tests/Portal.Benchmarks -- --circuits [--tabs 40] [--path /catalog/gpus] [--visitor]
if (args.Contains("--pdf"))
{
    // The agreement PDF alone, one thread: what signing spends on it.
    var terms = new Portal.Core.Leases.AgreementTerms("Bench Org", Guid.NewGuid(), "Richland Parish, Louisiana", "NVIDIA H100 SXM 80GB", 8,
        new DateTime(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc), new DateTime(2027, 3, 4, 9, 0, 0, DateTimeKind.Utc),
        new Portal.Core.Leases.LeasePrice(8, 72, 2_490_000, 500, 2_365_500), "Cancel free of charge until 24 hours before the lease starts.");
    var sign = new Portal.Core.Leases.AgreementSignature("Bench Signer", "bench@example.com", new DateTime(2027, 2, 1, 9, 0, 0, DateTimeKind.Utc),
        "127.0.0.1", "bench");
    for (var i = 0; i < 50; i++) Portal.Core.Leases.LeaseAgreementPdf.Render(terms, sign);
    var n = 500;
    var cpu0 = Environment.CpuUsage.TotalTime;
    var sw = System.Diagnostics.Stopwatch.StartNew();
    var bytes = 0;
    for (var i = 0; i < n; i++) bytes = Portal.Core.Leases.LeaseAgreementPdf.Render(terms, sign).Length;
    Console.WriteLine($"Agreement PDF: {sw.Elapsed.TotalMilliseconds / n:N2} ms wall, " +
        $"{(Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds / n:N2} ms CPU per PDF, {bytes:N0} bytes");
    return 0;
}

if (args.Contains("--batches"))
{
    var postgres = Arg("--postgres") ?? Environment.GetEnvironmentVariable("PORTAL_BENCH_POSTGRES");
    var endpoint = (Arg("--endpoint") ?? "chat") switch
    {
        "chat" => Portal.Core.Batches.BatchUrls.ChatCompletions,
        "completions" => Portal.Core.Batches.BatchUrls.Completions,
        "embeddings" => Portal.Core.Batches.BatchUrls.Embeddings,
        var other => throw new ArgumentException($"--endpoint {other}: use chat, completions or embeddings."),
    };
    var lines = int.Parse(Arg("--lines") ?? "100000", CultureInfo.InvariantCulture);
    var small = int.Parse(Arg("--small") ?? (lines / 10).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    var runs = int.Parse(Arg("--repeat") ?? "3", CultureInfo.InvariantCulture);
    var instant = args.Contains("--instant"); // an in-client server answering at once: the runner's own CPU per line
    int[] sizes = small > 0 && small < lines ? [small, lines] : [lines];
    Console.WriteLine($"Batch runner benchmark: {endpoint}, {string.Join(" and ", sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} lines, " +
        $"{runs} runs each, {(instant ? "instant in-client server (--instant)" : "simulator latency 0")} " +
        $"(.NET {Environment.Version}, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC)");
    // --set Batches:CheckpointEveryLines=5000 (repeatable): any portal setting, to measure the runner's knobs.
    var overrides = args.Select((a, i) => (a, i)).Where(p => p.a == "--set" && p.i + 1 < args.Length).Select(p => args[p.i + 1].Split('=', 2))
        .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
    var scenario = new BatchRunBenchmark.Scenario(endpoint, sizes, runs, instant, overrides);
    if (overrides.Count > 0) Console.WriteLine($"  settings: {string.Join(", ", overrides.Select(kv => $"{kv.Key}={kv.Value}"))}");
    var batchResults = new List<BatchRunBenchmark.Result>();
    if (!args.Contains("--no-sqlite")) batchResults.AddRange(await BatchRunBenchmark.RunAsync(null, scenario, Console.Out));
    if (!string.IsNullOrWhiteSpace(postgres)) batchResults.AddRange(await BatchRunBenchmark.RunAsync(postgres, scenario, Console.Out));
    else Console.WriteLine("  PostgreSQL skipped: pass --postgres \"<connection string>\" or set PORTAL_BENCH_POSTGRES.");
    BatchRunBenchmark.Print(batchResults, Console.Out);
    return 0;
}

if (args.Contains(PortalChildProcess.Flag)) return await PortalChildProcess.RunChildAsync(); // the --pages/--circuits portal, in its own process
if (args.Contains("--pages")) return await PageBenchmarkCommand.RunAsync(Arg, !args.Contains("--no-page-cache"), Console.Out);
if (args.Contains("--circuits")) return await CircuitBenchmarkCommand.RunAsync(Arg, args.Contains("--visitor"), Console.Out);
if (args.Contains("--hyperscale")) return await HyperscaleBenchmark.RunCommandAsync(Arg, !args.Contains("--no-sqlite"), Console.Out);
if (args.Contains("--slurm")) return await SlurmBenchmark.RunAsync(Arg, Console.Out);

if (args.Contains(ScriptJobLogReaders.Flag)) return await ScriptJobLogReaders.RunChildAsync(args); // the --jobs log readers, in their own process
if (args.Contains("--jobs")) return await ScriptJobBenchmarkCommand.RunAsync(args, Arg, Console.Out);

if (args.Contains("--leases-web")) return await LeaseCommitWebBenchmark.RunCommandAsync(Arg, Console.Out);

if (args.Contains("--leases"))
{
    var postgres = Arg("--postgres") ?? Environment.GetEnvironmentVariable("PORTAL_BENCH_POSTGRES");
    var signers = int.Parse(Arg("--signers") ?? "16", CultureInfo.InvariantCulture);
    var count = int.Parse(Arg("--count") ?? "2000", CultureInfo.InvariantCulture);
    var profileSql = args.Contains("--profile-sql"); // every statement of the measured phase, by shape
    var cold = int.Parse(Arg("--cold") ?? "200", CultureInfo.InvariantCulture);
    var warmup = int.Parse(Arg("--warmup") ?? "2000", CultureInfo.InvariantCulture);
    Console.WriteLine($"Lease commit benchmark: {signers} concurrent signers, quote + sign of small leases per database: {cold:N0} cold " +
        $"(measured), {warmup:N0} warm-up (not measured), {count:N0} warm (measured) (.NET {Environment.Version}, {Environment.ProcessorCount} cores, " +
        $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC)");
    var leaseResults = new List<LeaseCommitBenchmark.Result>();
    if (!args.Contains("--no-sqlite")) leaseResults.AddRange(await LeaseCommitBenchmark.RunAsync(null, signers, count, cold, warmup, Console.Out, profileSql));
    if (!string.IsNullOrWhiteSpace(postgres))
        leaseResults.AddRange(await LeaseCommitBenchmark.RunAsync(postgres, signers, count, cold, warmup, Console.Out, profileSql));
    else Console.WriteLine("  PostgreSQL skipped: pass --postgres \"<connection string>\" or set PORTAL_BENCH_POSTGRES.");
    LeaseCommitBenchmark.Print(leaseResults, Console.Out);
    return 0;
}

var dataDir = Arg("--data");
var factors = (Arg("--factors") ?? "1,1000,6000").Split(',').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
var lists = (Arg("--lists") ?? string.Join(',', AlibabaTrace.Lists)).Split(',');
dataDir = Path.GetFullPath(dataDir ?? TraceDataDir());
if (!File.Exists(Path.Combine(dataDir, "openb_node_list_gpu_node.csv")))
{
    Console.Error.WriteLine($"Trace not found in {dataDir}; pass --data DIR.");
    return 1;
}

var traces = lists.Select(list => AlibabaTrace.Load(dataDir, list)).ToList();
Console.WriteLine($"Alibaba GPU trace from {dataDir}");
Console.WriteLine($"Pool: {traces[0].Nodes.Count:N0} nodes, {traces[0].Nodes.Sum(n => n.GpuCount):N0} GPUs, " +
    $"{traces[0].Nodes.Select(n => n.Sku).Distinct().Count()} SKUs; {traces[0].Tasks.Count:N0} requests (tasks with num_gpu >= 1) per list.");
foreach (var t in traces)
    Console.WriteLine($"  {t.List,-10} {t.TasksWithTypeRestriction,5:N0} restricted to given GPU types " +
        $"({t.Tasks.Count(x => x.Types.Distinct().Count() > 1),3:N0} of them to several), the rest take any type.");
Console.WriteLine($"Runtime: .NET {Environment.Version}, {Environment.ProcessorCount} cores, one thread used for placing.");
Console.WriteLine();

var repeat = int.Parse(Arg("--repeat") ?? "3", CultureInfo.InvariantCulture);
var policies = new List<(string Name, Func<CapacityView, PlacementRequest, PlanResult> Place)>
{
    ("planner", new CapacityPlanner().Plan),
    ("naive first fit", FirstFitPlacer.Place),
};
// --plain-best-fit: also the planner without scarcity (best fit over every allowed type), to show what scarcity buys.
if (args.Contains("--plain-best-fit")) policies.Add(("plain best fit", new CapacityPlanner(new PlannerOptions(ScarcityAware: false)).Plan));
// Warm up every path (JIT, tiered compilation) before timing; then each row is the median of `repeat` runs
// by speed (the other figures are the same in every run: the replay is deterministic).
foreach (var trace in traces)
    foreach (var factor in factors)
        foreach (var policy in policies) TraceReplay.Run("warm-up", policy.Place, trace, factor);
var results = new List<ReplayResult>();
foreach (var trace in traces)
    foreach (var factor in factors)
        foreach (var policy in policies)
            results.Add(Median(Enumerable.Range(0, repeat).Select(_ => TraceReplay.Run(policy.Name, policy.Place, trace, factor))));

ReplayTable.Print(results, repeat, Console.Out);
ReplayComparison.Print(results, Console.Out);
// --shuffles N: the planner-vs-first-fit GPU-hour gap over N random deals of the one-GPU requests' lengths (not timed).
if (Arg("--shuffles") is { } shuffles) DurationShuffleExperiment.Run(traces, factors, int.Parse(shuffles, CultureInfo.InvariantCulture), Console.Out);

if (!args.Contains("--no-calendar")) CalendarBenchmark.Run(Console.Out);
return 0;

static ReplayResult Median(IEnumerable<ReplayResult> runs)
{
    var sorted = runs.OrderBy(r => r.RequestsPerSecond).ToList();
    return sorted[sorted.Count / 2];
}

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

// The trace where it lies: shared/data/alibaba-gpu-v2023 in the first directory above the repository that has it
// (../shared/data for the main checkout, ../../shared/data for a worktree under it).
static string TraceDataDir()
{
    for (var dir = new DirectoryInfo(RepoRoot()).Parent; dir is not null; dir = dir.Parent)
        if (Directory.Exists(Path.Combine(dir.FullName, "shared", "data", "alibaba-gpu-v2023")))
            return Path.Combine(dir.FullName, "shared", "data", "alibaba-gpu-v2023");
    return Path.Combine(RepoRoot(), "..", "shared", "data", "alibaba-gpu-v2023");
}

// The repository root: the first directory up from here (or from the binaries) holding Portal.sln.
static string RepoRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
    throw new InvalidOperationException("Portal.sln not found above the current directory; pass --data DIR.");
}
