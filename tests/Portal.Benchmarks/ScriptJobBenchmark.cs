using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;

namespace Portal.Benchmarks;

/// <summary>
/// Issue 14's figures for script jobs on the simulator, in one 8-GPU lease: (a) launch to Running with free GPUs, one job at
/// a time; (b) a thousand one-second jobs queued at once: all succeed, the pool's own view never shows more than the lease's
/// GPUs busy, and the queue's overhead per job; (c) log streaming (<see cref="ScriptJobLogBenchmark"/>).
/// </summary>
internal static class ScriptJobBenchmark
{
    public const int LeaseGpus = 8;

    /// <summary>Set by <c>--profile-sql</c>: the commands of the queue part, printed after it.</summary>
    public static SqlCommandProfile? SqlProfile { get; set; }

    /// <summary>Set by <c>--profile-jit</c>: name the methods the JIT compiles during the queue part.</summary>
    public static bool ProfileJit { get; set; }

    public sealed record Scenario(int Launches, int Queued, int LogMegabytes, int Readers, IReadOnlyDictionary<string, string> Overrides,
        int QueueWarmUp = 0);

    public sealed record Result(string Database, double[] LaunchToRunningMs, int LaunchFailures, QueueResult? Queue, ScriptJobLogBenchmark.Result? Logs);

    public sealed record QueueResult(int Jobs, int Succeeded, IReadOnlyDictionary<ScriptJobState, int> Others, int MaxBusyGpus, TimeSpan Launching,
        TimeSpan Makespan, TimeSpan Ideal, int PoolSamples, TimeSpan Cpu, TimeSpan TaskRun)
    {
        /// <summary>
        /// GPU time the lease had (makespan x GPUs) minus the time its tasks ran on the pool (the pool's own start and end),
        /// per job: how long a GPU sat idle per job between one task's end and the next one's start.
        /// </summary>
        public double IdleGpuMsPerJob => (Makespan.TotalMilliseconds * LeaseGpus - TaskRun.TotalMilliseconds) / Jobs;

        /// <summary>CPU time of this process (the portal, its simulator and the benchmark's own reads) per job, launching included.</summary>
        public double CpuMsPerJob => Cpu.TotalMilliseconds / Jobs;

        /// <summary>(makespan - ideal) / (jobs / GPUs): what the queue adds to each job on the lease's critical path.</summary>
        public double OverheadMsPerJob => (Makespan - Ideal).TotalMilliseconds / ((double)Jobs / LeaseGpus);
    }

    public static async Task<Result> RunAsync(string? postgresServer, Scenario scenario, TextWriter log)
    {
        await using var kit = await ScriptJobBenchmarkKit.StartAsync(postgresServer, LeaseGpus, scenario.Overrides);
        var database = postgresServer is null ? "SQLite" : "PostgreSQL";
        log.WriteLine($"  {kit.Database}: lease {kit.LeaseId} Active ({LeaseGpus} GPUs)");

        var (latencies, failures) = scenario.Launches > 0 ? await LaunchToRunningAsync(kit, scenario.Launches, log) : ([], 0);
        var queue = scenario.Queued > 0 ? await QueueAsync(kit, scenario.Queued, scenario.QueueWarmUp, log) : null;
        var logs = scenario.LogMegabytes > 0 ? await ScriptJobLogBenchmark.RunAsync(kit, scenario.LogMegabytes, scenario.Readers, log) : null;
        return new(database, latencies, failures, queue, logs);
    }

    /// <summary>
    /// One job at a time (1 GPU, <c>sleep 1</c>), timed from the launch call until the job is seen Running. At most half the
    /// lease's GPUs are busy when a launch starts, so every job finds free GPUs. A few unmeasured launches warm up first.
    /// </summary>
    private static async Task<(double[] Ms, int Failures)> LaunchToRunningAsync(ScriptJobBenchmarkKit kit, int launches, TextWriter log)
    {
        var warmUp = Math.Clamp(launches / 20, 1, 10);
        var latencies = new List<double>();
        var failures = 0;
        for (var i = -warmUp; i < launches; i++)
        {
            while (await kit.OpenJobsAsync() >= LeaseGpus / 2) await Task.Delay(20);
            var started = Stopwatch.GetTimestamp();
            var job = await kit.LaunchAsync($"launch {i}", "sleep 1");
            ScriptJobState state;
            while ((state = await kit.StateAsync(job.Id)) is ScriptJobState.Queued or ScriptJobState.Starting) await Task.Delay(5);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            // Succeeded without being seen Running: it ran, but later than we looked; either way the figure stands.
            if (state is not (ScriptJobState.Running or ScriptJobState.Succeeded)) failures++;
            else if (i >= 0) latencies.Add(ms);
        }
        latencies.Sort();
        log.WriteLine($"  launch to Running: {latencies.Count} jobs, p50 {LeaseCommitBenchmark.Percentile([.. latencies], 50):N0} ms, " +
            $"p99 {LeaseCommitBenchmark.Percentile([.. latencies], 99):N0} ms, {failures} not running");
        await kit.UntilAsync("the launch jobs end", TimeSpan.FromMinutes(2), async _ => await kit.OpenJobsAsync() == 0);
        return ([.. latencies], failures);
    }

    /// <summary>
    /// <paramref name="jobs"/> one-second jobs (1 GPU each) launched as fast as the portal takes them, while the pool's own
    /// list of open tasks (<see cref="IGpuPoolDriver.ListOpenTasksAsync"/>) is read every 100 ms for the GPUs this lease's tasks hold.
    /// </summary>
    private static async Task<QueueResult> QueueAsync(ScriptJobBenchmarkKit kit, int jobs, int warmUp, TextWriter log)
    {
        if (warmUp > 0)
        {
            // Unmeasured, as the launches' warm-up: the runtime compiles the queue's code at tier 0 first and keeps
            // re-compiling it (instrumented, then optimised) for about a minute on two busy cores; a portal runs for months.
            var warming = Stopwatch.StartNew();
            for (var i = 0; i < warmUp; i++) await kit.LaunchAsync($"warm-up {i}", "sleep 1");
            await kit.UntilAsync("the warm-up jobs end", TimeSpan.FromSeconds(warmUp * 2 + 300), async _ => await kit.OpenJobsAsync() == 0, pollMs: 200);
            log.WriteLine($"  queue: {warmUp} unmeasured warm-up jobs ran in {warming.Elapsed.TotalSeconds:N1} s");
        }
        var pool = kit.Host.Services.GetRequiredService<IGpuPoolDriver>();
        using var stop = new CancellationTokenSource();
        var maxBusy = 0;
        var samples = 0;
        using var jit = JitWatch.Start(ProfileJit);
        using var requests = new HttpRequestCount();
        var cpuLast = Process.GetCurrentProcess().TotalProcessorTime;
        var watching = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                do
                {
                    if (samples > 0 && samples % 100 == 0)
                    {
                        // Every ~10 s: whether the runtime still compiles (a steady loop should stop) and the CPU spent.
                        var cpuNow = Process.GetCurrentProcess().TotalProcessorTime;
                        log.WriteLine($"  queue {samples / 10,4} s: {jit.Interval()}, CPU +{(cpuNow - cpuLast).TotalMilliseconds:N0} ms");
                        cpuLast = cpuNow;
                        if (samples == 200) jit.ResetNames(); // names: from 20 s on, past the first tier-up
                    }
                    // Open tasks only: the full list keeps every ended task, and reading it ten times a second in this
                    // process cost the portal CPU that the figures charged to the queue.
                    var busy = (await pool.ListOpenTasksAsync(stop.Token))
                        .Where(t => !t.IsFinal && kit.AllocationIds.Contains(t.ReservationId)).Sum(t => t.GpuIndexes.Length);
                    maxBusy = Math.Max(maxBusy, busy);
                    samples++;
                }
                while (await timer.WaitForNextTickAsync(stop.Token));
            }
            catch (OperationCanceledException) { }
        });

        SqlProfile?.Reset();
        var start = DateTime.UtcNow;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < jobs; i++) await kit.LaunchAsync($"queued {i}", "sleep 1");
        var launching = clock.Elapsed;
        log.WriteLine($"  queue: {jobs} jobs launched in {launching.TotalSeconds:N1} s; waiting for them to run");
        await kit.UntilAsync("the queued jobs end", TimeSpan.FromSeconds(jobs * 2 + 300), async _ => await kit.OpenJobsAsync() == 0, pollMs: 200);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await stop.CancelAsync();
        await watching;
        log.WriteLine($"  queue: {jit.Interval()}");
        // The watch below reads the pool's open tasks every 100 ms through the same driver: its GETs are the benchmark's own.
        log.WriteLine($"  queue: {requests.Total:N0} HTTP requests to the pool ({requests.Describe()}), {(requests.Total - samples) / (double)jobs:N2} " +
            $"per job besides the benchmark's own {samples:N0} looks");
        jit.PrintTop(log);
        SqlProfile?.Print(log, jobs);

        await using var db = kit.NewDb();
        var ended = await db.ScriptJobs.Where(j => j.LeaseId == kit.LeaseId && j.Name.StartsWith("queued "))
            .Select(j => new { j.State, j.EndedAt, j.Reason }).ToListAsync();
        var makespan = ended.Max(j => j.EndedAt!.Value) - start;
        var ideal = TimeSpan.FromSeconds(Math.Ceiling((double)jobs / LeaseGpus));
        var others = ended.Where(j => j.State != ScriptJobState.Succeeded).GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        // Any other end says why (its reason as the portal recorded it), so that a failure can be looked into.
        foreach (var reason in ended.Where(j => j.State != ScriptJobState.Succeeded).Select(j => $"{j.State}: {j.Reason}").Distinct().Take(5))
            log.WriteLine($"  queue: a job ended {reason}");
        var runs = await db.ScriptJobTasks.Where(t => t.LeaseId == kit.LeaseId && t.StartedAt != null && t.EndedAt != null)
            .Join(db.ScriptJobs.Where(j => j.Name.StartsWith("queued ")), t => t.JobId, j => j.Id, (t, j) => new { t.StartedAt, t.EndedAt }).ToListAsync();
        var taskRun = TimeSpan.FromTicks(runs.Sum(r => (r.EndedAt!.Value - r.StartedAt!.Value).Ticks));
        log.WriteLine($"  queue: {SteadyOverhead([.. ended.Select(j => j.EndedAt!.Value)], jobs)}");
        var result = new QueueResult(jobs, ended.Count(j => j.State == ScriptJobState.Succeeded), others, maxBusy, launching, makespan, ideal, samples, cpu,
            taskRun);
        log.WriteLine($"  queue: {result.Succeeded}/{jobs} succeeded, makespan {makespan.TotalSeconds:N1} s (ideal {ideal.TotalSeconds:N0} s), " +
            $"at most {maxBusy} GPUs busy in {samples} looks at the pool; this process used {result.CpuMsPerJob:N1} ms of CPU per job " +
            $"(load average {LoadAverage()})");
        return result;
    }

    /// <summary>
    /// The queue between the 25th and the 75th percentile of its jobs' ends, past the launching and the runtime's first tier-up
    /// and before the last jobs drain: the time each GPU spent per job there, minus the job's 1 s.
    /// </summary>
    private static string SteadyOverhead(List<DateTime> ends, int jobs)
    {
        ends.Sort();
        if (ends.Count < 8) return "steady overhead: too few jobs";
        var (from, to) = (ends[ends.Count / 4], ends[ends.Count * 3 / 4]);
        var count = ends.Count(e => e > from && e <= to);
        var perJob = (to - from).TotalMilliseconds * LeaseGpus / Math.Max(1, count) - 1000;
        return $"steady overhead (jobs ending between the 25th and 75th percentile, {count} jobs): {perJob:N1} ms per job";
    }

    /// <summary>The machine's 1-minute load average (/proc/loadavg): other work on the cores shows in every figure.</summary>
    public static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "unknown"; }
    }
}
