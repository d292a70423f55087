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
        TimeSpan Run, TimeSpan RunCpu, string Status, int Completed, int Failed, BatchBenchmarkRequests.BareResult Bare,
        MemoryFigures Idle, MemoryFigures Peak, bool KernelPeak)
    {
        public double ValidatePerSecond => Lines / Validate.TotalSeconds;
        public double RunPerSecond => Lines / Run.TotalSeconds;
        public double Ratio => RunPerSecond / Bare.PerSecond;
        public double RunCpuMsPerLine => RunCpu.TotalMilliseconds / Lines;
        public double BareCpuMsPerLine => Bare.Cpu.TotalMilliseconds / Bare.Requests;
        public double WorkingSetGrowthMB => (Peak.WorkingSet - Idle.WorkingSet) / MemoryFigures.MB;
        public double GcHeapGrowthMB => (Peak.GcHeap - Idle.GcHeap) / MemoryFigures.MB;
    }

    public static async Task<List<Result>> RunAsync(string? postgresServer, string endpoint, IReadOnlyList<int> sizes, int repeat, TextWriter log)
    {
        var work = Directory.CreateTempSubdirectory("portal-batch-bench-").FullName; // inputs and the file store: never the repository
        try
        {
            var settings = new Dictionary<string, string>
            {
                ["Pool:LatencyMultiplier"] = "0",
                ["Files:Root"] = Path.Combine(work, "files"),
                ["Batches:MaxLines"] = Math.Max(50_000, sizes.Max()).ToString(CultureInfo.InvariantCulture),
            };
            await using var host = new LeaseCommitBenchmarkHost(postgresServer, settings);
            _ = host.Services; // start: migrate, seed, start the embedded simulator
            var database = postgresServer is null ? "SQLite" : "PostgreSQL";
            var (_, userId) = await host.NewTenantAsync("Batch bench");
            var requests = new BatchBenchmarkRequests(endpoint);
            var modelServer = host.Services.GetRequiredService<IGpuPoolDriver>().ResolveModelBaseUrl("simulator:");
            var concurrency = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value.ConcurrencyPerDeployment;
            log.WriteLine($"  {host.Describe}: started; model server {modelServer}, {concurrency} requests in flight (runner and bare loop), " +
                $"inputs in {work}");

            // Warm-up: JIT and tiered compilation of both paths (tier 1 comes late on a busy machine), connections,
            // the simulator's tokenizer.
            var warm = Math.Min(10_000, sizes.Min());
            var warmPath = Path.Combine(work, "warm-up.jsonl");
            requests.WriteInput(warmPath, warm);
            for (var round = 0; round < 2; round++)
            {
                await requests.BareLoopAsync(modelServer, warm, concurrency);
                await MeasureBatchAsync(host, userId, requests, warmPath, warm, database);
            }
            File.Delete(warmPath);

            var results = new List<Result>();
            foreach (var lines in sizes.Order())
            {
                var path = Path.Combine(work, $"input-{lines}.jsonl");
                requests.WriteInput(path, lines);
                for (var i = 0; i < repeat; i++)
                {
                    // Alternately first and second, so that drift (tiering, other load) does not always favour one.
                    var bare = i % 2 == 0 ? await requests.BareLoopAsync(modelServer, lines, concurrency) : null;
                    var result = await MeasureBatchAsync(host, userId, requests, path, lines, database);
                    result = result with { Bare = bare ?? await requests.BareLoopAsync(modelServer, lines, concurrency) };
                    results.Add(result);
                    log.WriteLine($"  {database} {endpoint} {lines:N0} lines, run {i + 1}/{repeat}: runner {result.RunPerSecond:N0} lines/s, " +
                        $"bare {result.Bare.PerSecond:N0}/s, ratio {result.Ratio:F2}; peak +{result.WorkingSetGrowthMB:N0} MB working set, " +
                        $"+{result.GcHeapGrowthMB:N0} MB GC heap; {result.Status} {result.Completed:N0}/{result.Failed:N0}");
                }
                File.Delete(path);
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

        var cpu = Environment.CpuUsage.TotalTime;
        clock.Restart();
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<RunBatchJob>().RunAsync(batchId, CancellationToken.None);
        var run = clock.Elapsed;
        var runCpu = Environment.CpuUsage.TotalTime - cpu;
        var peak = watch.Peak();

        await using var reader = await host.AsAsync(userId);
        var done = await reader.ServiceProvider.GetRequiredService<BatchService>().GetAsync(batchId)
                   ?? throw new InvalidOperationException($"Batch {batchId} vanished.");
        return new Result(database, requests.Endpoint, lines, inputBytes, upload, validate, run, runCpu, BatchService.OpenAiStatus(done.Status),
            done.RequestCompleted, done.RequestFailed, new(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero), idle, peak, watch.KernelPeakWasReset);
    }
}
