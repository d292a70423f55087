using System.Globalization;

namespace Portal.Benchmarks;

/// <summary>The script-job benchmark's table, its definitions and the issue's goals.</summary>
internal static class ScriptJobBenchmarkReport
{
    public static void Print(IReadOnlyList<ScriptJobBenchmark.Result> results, ScriptJobBenchmark.Scenario scenario, TextWriter w)
    {
        static string F(double v, string format = "N0") => double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);
        w.WriteLine();
        w.WriteLine($"(a) launch to Running, {scenario.Launches} jobs one at a time, free GPUs:");
        w.WriteLine($"{"database",-10} | {"jobs",5} | {"p50 ms",7} | {"p90 ms",7} | {"p99 ms",7} | {"max ms",7} | {"not running",11}");
        w.WriteLine(new string('-', 72));
        foreach (var r in results)
        {
            var l = r.LaunchToRunningMs;
            w.WriteLine($"{r.Database,-10} | {l.Length,5} | {F(LeaseCommitBenchmark.Percentile(l, 50)),7} | {F(LeaseCommitBenchmark.Percentile(l, 90)),7} | " +
                $"{F(LeaseCommitBenchmark.Percentile(l, 99)),7} | {F(l.Length == 0 ? double.NaN : l[^1]),7} | {r.LaunchFailures,11}");
        }

        w.WriteLine();
        w.WriteLine($"(b) {scenario.Queued:N0} one-second jobs queued at once in one {ScriptJobBenchmark.LeaseGpus}-GPU lease:");
        w.WriteLine($"{"database",-10} | {"succeeded",11} | {"other ends",10} | {"max GPUs busy",13} | {"launching s",11} | {"makespan s",10} | " +
            $"{"ideal s",7} | {"overhead ms/job",15} | {"GPU idle ms/job",15} | {"CPU ms/job",10}");
        w.WriteLine(new string('-', 139));
        foreach (var r in results.Where(r => r.Queue is not null))
        {
            var q = r.Queue!;
            var others = q.Others.Count == 0 ? "0" : string.Join(" ", q.Others.Select(kv => $"{kv.Key} {kv.Value}"));
            w.WriteLine($"{r.Database,-10} | {q.Succeeded,5:N0}/{q.Jobs,5:N0} | {others,10} | {q.MaxBusyGpus,13} | {q.Launching.TotalSeconds,11:N1} | " +
                $"{q.Makespan.TotalSeconds,10:N1} | {q.Ideal.TotalSeconds,7:N0} | {q.OverheadMsPerJob,15:N1} | {q.IdleGpuMsPerJob,15:N1} | " +
                $"{q.CpuMsPerJob,10:N1}");
        }

        w.WriteLine();
        w.WriteLine($"(c) one job writing {scenario.LogMegabytes} MB to stdout, {scenario.Readers} live readers (own process) through the HTTP API:");
        w.WriteLine($"{"database",-10} | {"job",9} | {"written s",9} | {"all read s",10} | {"requests",8} | {"bytes lost",10} | {"extra",5} | " +
            $"{"portal WS over idle MB",22} | {"portal heap over idle MB",24}");
        w.WriteLine(new string('-', 132));
        foreach (var r in results.Where(r => r.Logs is not null))
        {
            var g = r.Logs!;
            w.WriteLine($"{r.Database,-10} | {g.JobState,9} | {g.Writing.TotalSeconds,9:N1} | {g.AllRead.TotalSeconds,10:N1} | {g.Requests,8:N0} | " +
                $"{g.Lost,10:N0} | {g.Extra,5:N0} | {(g.Peak.WorkingSet - g.Idle.WorkingSet) / MemoryFigures.MB,22:N0} | " +
                $"{(g.Peak.GcHeap - g.Idle.GcHeap) / MemoryFigures.MB,24:N0}");
        }

        w.WriteLine();
        w.WriteLine("""
            Definitions:
              launch to Running  from the call that launches a job (the portal's own launching service, as the page and the API
                          call it) until the job is seen Running in the database (looked at every 5 ms); 1 GPU, `sleep 1`, at
                          most half the lease's GPUs busy when a launch starts. A few unmeasured launches warm up first.
              max GPUs busy  the most GPUs held at once by the lease's tasks that were Starting or Running in the pool's own
                          view (IGpuPoolDriver.ListOpenTasksAsync, read every 100 ms during the run): must not exceed the lease's.
              makespan    from the first launch call until the last job ended (its EndedAt); launching is the part spent
                          launching all of them, one call at a time. ideal = ceil(jobs / GPUs) x 1 s. Before it, unmeasured,
                          --queue-warmup jobs (100 by default) run through the same queue: a cold runtime compiles the queue's
                          code at tier 0, then instrumented, then optimised, ~27,000 compilations in the first minute on two
                          busy cores (the "jit" lines every 10 s), which a portal that runs for months pays once.
              overhead    (makespan - ideal) / (jobs / GPUs): what the queue adds to each job on the lease's critical path
              GPU idle    (makespan x GPUs - the tasks' run time on the pool, its own start to end) / jobs: how long a GPU
                          waits between one task's end and the next task's start (the queue's own share: the task's process
                          start and exit beyond its 1 s are the job's time, counted in overhead but not here).
                          (dispatch, the supervisor's poll, process start and exit). CPU = this process's CPU time during
                          the run (portal, embedded simulator, the benchmark's reads; not the tasks' own processes) / jobs.
              bytes lost  summed over readers: expected bytes not received correctly (every byte is checked against what
                          the script writes at that offset); extra = bytes received past the expected end.
              over idle   the portal's process (with its embedded simulator): the peak during the run (working set: the
                          kernel's high-water mark; GC heap: sampled every 20 ms) minus the figure after a full collection
                          before the job was launched. The 20 readers run in a process of their own (this program with
                          --log-readers) and read over loopback HTTP (Kestrel), so their buffers are not counted.
            Goals (issue 14): launch to Running p99 under 2 s; queue overhead under 50 ms per job with never more than 8 GPUs
            busy and every job Succeeded; 0 bytes lost and under 100 MB over idle for 50 MB and 20 readers.
            """);
    }
}
