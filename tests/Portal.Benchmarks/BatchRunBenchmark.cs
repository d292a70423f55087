using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Batches;
using Portal.Core.Pool;

namespace Portal.Benchmarks;

/// <summary>
/// A batch of N lines through the real path, against the embedded simulator with no simulated latency: uploaded
/// through <see cref="BatchFileService"/>, created through <see cref="BatchService"/> (as <c>POST /v1/files</c> and
/// <c>POST /v1/batches</c> do), then <see cref="ValidateBatchJob"/> and <see cref="RunBatchJob"/> called as Hangfire
/// calls them (a fresh scope each). Beside it, in the same process and against the same server, a bare
/// <see cref="HttpClient"/> loop sends the same bodies with the runner's concurrency: the ratio is the runner's cost.
/// </summary>
internal static partial class BatchRunBenchmark
{
    public sealed record Result(string Database, string Endpoint, int Lines, long InputBytes, TimeSpan Upload, TimeSpan Validate,
        TimeSpan Run, TimeSpan RunCpu, GcActivity RunGc, string Status, int Completed, int Failed, BatchBenchmarkRequests.BareResult Bare,
        MemoryFigures Idle, MemoryFigures Peak, MemoryFigures RunPeak, long RunLiveGrowth, bool KernelPeak)
    {
        public double ValidatePerSecond => Lines / Validate.TotalSeconds;
        public double RunPerSecond => Lines / Run.TotalSeconds;
        public double Ratio => RunPerSecond / Bare.PerSecond;
        public double RunCpuMsPerLine => RunCpu.TotalMilliseconds / Lines;
        public double BareCpuMsPerLine => Bare.Cpu.TotalMilliseconds / Bare.Requests;
        public double RunKBPerLine => RunGc.Allocated / 1024.0 / Lines;
        public double BareKBPerLine => Bare.Gc.Allocated / 1024.0 / Bare.Requests;
        public double WorkingSetGrowthMB => (Peak.WorkingSet - Idle.WorkingSet) / MemoryFigures.MB;
        public double GcHeapGrowthMB => (Peak.GcHeap - Idle.GcHeap) / MemoryFigures.MB;
        public double RunWorkingSetGrowthMB => (RunPeak.WorkingSet - Idle.WorkingSet) / MemoryFigures.MB;
    }

    /// <summary>What to run: <see cref="Settings"/> are portal settings on top of the benchmark's (<c>--set Key=Value</c>).</summary>
    public sealed record Scenario(string Endpoint, IReadOnlyList<int> Sizes, int Repeat, bool Instant, IReadOnlyDictionary<string, string> Settings);

    public static async Task<List<Result>> RunAsync(string? postgresServer, Scenario scenario, TextWriter log)
    {
        var (endpoint, sizes, repeat, instant) = (scenario.Endpoint, scenario.Sizes, scenario.Repeat, scenario.Instant);
        var work = Directory.CreateTempSubdirectory("portal-batch-bench-").FullName; // inputs and the file store: never the repository
        try
        {
            var settings = new Dictionary<string, string>
            {
                ["Pool:LatencyMultiplier"] = "0",
                ["Files:Root"] = Path.Combine(work, "files"),
                ["Batches:MaxLines"] = Math.Max(50_000, sizes.Max()).ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in scenario.Settings) settings[key] = value;
            await using var host = new LeaseCommitBenchmarkHost(postgresServer, settings, instant
                ? services => services.AddHttpClient(RunBatchJob.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new InstantModelServer(endpoint))
                : null);
            _ = host.Services; // start: migrate, seed, start the embedded simulator
            var database = postgresServer is null ? "SQLite" : "PostgreSQL";
            var (_, userId) = await host.NewTenantAsync("Batch bench");
            var requests = new BatchBenchmarkRequests(endpoint);
            var modelServer = host.Services.GetRequiredService<IGpuPoolDriver>().ResolveModelBaseUrl("simulator:");
            var concurrency = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value.ConcurrencyPerDeployment;
            log.WriteLine($"  {host.Describe}: started; model server {modelServer}, {concurrency} requests in flight (runner and bare loop), " +
                $"inputs in {work}");

            // Warm-up: JIT and tiered compilation of both paths (tier 1 with PGO comes late, later still on a busy
            // machine: the runner kept speeding up over the first 50,000 lines), connections, the simulator's tokenizer.
            var warm = Math.Min(20_000, sizes.Max());
            var warmPath = Path.Combine(work, "warm-up.jsonl");
            requests.WriteInput(warmPath, warm);
            for (var round = 0; round < 3; round++)
            {
                await requests.BareLoopAsync(modelServer, warm, concurrency, instant);
                await MeasureBatchAsync(host, userId, requests, warmPath, warm, database);
            }
            File.Delete(warmPath);

            var inputs = sizes.Distinct().Order().ToDictionary(lines => lines, lines => Path.Combine(work, $"input-{lines}.jsonl"));
            foreach (var (lines, path) in inputs) requests.WriteInput(path, lines);
            var results = new List<Result>();
            // Every size in every round, so that what still drifts (tiering, other load) does not favour one size.
            for (var i = 0; i < repeat; i++)
                foreach (var (lines, path) in inputs)
                {
                    // Alternately first and second, so that drift does not always favour the runner or the bare loop.
                    var bare = i % 2 == 0 ? await requests.BareLoopAsync(modelServer, lines, concurrency, instant) : null;
                    var result = await MeasureBatchAsync(host, userId, requests, path, lines, database);
                    result = result with { Bare = bare ?? await requests.BareLoopAsync(modelServer, lines, concurrency, instant) };
                    results.Add(result);
                    log.WriteLine($"  {database} {endpoint} {lines:N0} lines, run {i + 1}/{repeat}: runner {result.RunPerSecond:N0} lines/s, " +
                        $"bare {result.Bare.PerSecond:N0}/s, ratio {result.Ratio:F2}; peak +{result.WorkingSetGrowthMB:N0} MB working set " +
                        $"(runner alone +{result.RunWorkingSetGrowthMB:N0} MB, its live heap +{result.RunLiveGrowth / MemoryFigures.MB:N1} MB), " +
                        $"+{result.GcHeapGrowthMB:N0} MB GC heap; {result.Status} {result.Completed:N0}/{result.Failed:N0}");
                }
            return results;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<Result> MeasureBatchAsync(LeaseCommitBenchmarkHost host, string userId, BatchBenchmarkRequests requests,
        string inputPath, int lines, string database)
    {
        var idle = MemoryFigures.Idle();
        await using var watch = new PeakMemoryWatch();
        var clock = Stopwatch.StartNew();
        string batchId;
        long inputBytes;
        TimeSpan upload;
        await using (var scope = await host.AsAsync(userId))
        {
            await using var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            var file = await scope.ServiceProvider.GetRequiredService<BatchFileService>().UploadAsync(input, Path.GetFileName(inputPath), "batch");
            (inputBytes, upload) = (file.Bytes, clock.Elapsed);
            var batch = await scope.ServiceProvider.GetRequiredService<BatchService>()
                .CreateAsync(new BatchRequest(file.Id, requests.Endpoint, BatchService.CompletionWindow, null));
            batchId = batch.Id;
        }

        clock.Restart();
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ValidateBatchJob>().RunAsync(batchId, CancellationToken.None);
        var validate = clock.Elapsed;
        var beforeRun = watch.Peak(); // upload and validation (which holds the file's custom_ids to find duplicates)

        await using var runWatch = new PeakMemoryWatch(); // the runner alone
        var cpu = Environment.CpuUsage.TotalTime;
        var gc = GcActivity.Now();
        clock.Restart();
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<RunBatchJob>().RunAsync(batchId, CancellationToken.None);
        var run = clock.Elapsed;
        var runCpu = Environment.CpuUsage.TotalTime - cpu;
        var runGc = GcActivity.Now() - gc;
        var runPeak = runWatch.Peak();
        var peak = new MemoryFigures(Math.Max(beforeRun.WorkingSet, runPeak.WorkingSet), Math.Max(beforeRun.GcHeap, runPeak.GcHeap));

        await using var reader = await host.AsAsync(userId);
        var done = await reader.ServiceProvider.GetRequiredService<BatchService>().GetAsync(batchId)
                   ?? throw new InvalidOperationException($"Batch {batchId} vanished.");
        return new Result(database, requests.Endpoint, lines, inputBytes, upload, validate, run, runCpu, runGc, BatchService.OpenAiStatus(done.Status),
            done.RequestCompleted, done.RequestFailed, new(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, default), idle, peak, runPeak, runWatch.LiveGrowth,
            runWatch.KernelPeakWasReset);
    }
}
